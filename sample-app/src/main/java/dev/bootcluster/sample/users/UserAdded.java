package dev.bootcluster.sample.users;

/**
 * The master's answer to {@link AddUser}.
 *
 * @param name the user's name
 * @param count users in the database now
 */
public record UserAdded(String name, long count) {
}
