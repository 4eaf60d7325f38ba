package dev.bootcluster.testapp.jpa;

import java.util.List;
import java.util.Optional;

import org.springframework.data.jpa.repository.EntityGraph;
import org.springframework.data.jpa.repository.JpaRepository;

/**
 * The owners, read with their pets in one query ({@code spring.jpa.open-in-view} is off,
 * so nothing loads lazily while the response is written).
 */
interface OwnerRepository extends JpaRepository<Owner, Long> {

	@EntityGraph(attributePaths = "pets")
	List<Owner> findAllByOrderByIdAsc();

	@EntityGraph(attributePaths = "pets")
	Optional<Owner> findWithPetsById(Long id);

}
