package dev.bootcluster.testapp.jpa;

import java.util.List;

import org.springframework.data.jpa.repository.JpaRepository;

/**
 * The pets.
 */
interface PetRepository extends JpaRepository<Pet, Long> {

	List<Pet> findByKindOrderByIdAsc(String kind);

}
