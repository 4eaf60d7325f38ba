package dev.bootcluster.testapp.jpa;

import java.net.URI;
import java.util.List;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.util.StringUtils;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

/**
 * The owners as JSON: {@code GET /owners}, {@code GET /owners/{id}} open to all,
 * {@code POST /owners} for a logged-in user (see {@link SecurityConfiguration}). Each
 * worker answers from its own database.
 */
@RestController
@RequestMapping("/owners")
class OwnerController {

	private final OwnerRepository owners;

	private final String worker;

	OwnerController(OwnerRepository owners, @Value("${cluster.internal.worker-id:0}") String worker) {
		this.owners = owners;
		this.worker = worker;
	}

	@GetMapping
	List<OwnerView> list() {
		return this.owners.findAllByOrderByIdAsc().stream().map(OwnerView::of).toList();
	}

	@GetMapping("/{id}")
	OwnerView get(@PathVariable long id) {
		return this.owners.findWithPetsById(id)
			.map(OwnerView::of)
			.orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "No owner " + id));
	}

	@PostMapping
	ResponseEntity<OwnerView> create(@RequestBody NewOwner request) {
		if (!StringUtils.hasText(request.name())) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "An owner needs a name");
		}
		Owner owner = new Owner(request.name(), request.city());
		if (request.pets() != null) {
			request.pets().forEach((pet) -> owner.addPet(new Pet(pet.name(), pet.kind())));
		}
		Owner saved = this.owners.save(owner);
		return ResponseEntity.created(URI.create("/owners/" + saved.getId()))
			.header("X-Worker", this.worker)
			.body(OwnerView.of(saved));
	}

	/** The body of {@code POST /owners}. */
	record NewOwner(String name, String city, List<PetView> pets) {

	}

	/** An owner as JSON, with its pets (no cycle back to the owner). */
	record OwnerView(Long id, String name, String city, List<PetView> pets) {

		static OwnerView of(Owner owner) {
			return new OwnerView(owner.getId(), owner.getName(), owner.getCity(),
					owner.getPets().stream().map(PetView::of).toList());
		}

	}

	/** A pet as JSON. */
	record PetView(Long id, String name, String kind) {

		static PetView of(Pet pet) {
			return new PetView(pet.getId(), pet.getName(), pet.getKind());
		}

	}

}
