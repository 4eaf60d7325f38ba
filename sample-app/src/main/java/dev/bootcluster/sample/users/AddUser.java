package dev.bootcluster.sample.users;

/**
 * A worker asks the master (the only process with the database) to add a user.
 *
 * @param name the user's name
 */
public record AddUser(String name) {
}
