package dev.bootcluster.sample.users;

import java.time.Instant;

/**
 * What the master broadcasts (retained) after each count: the Node article's
 * {@code numberOfUsersInDB}, with when and where it was computed.
 *
 * @param count users in the database
 * @param computedAt when the master counted them
 * @param computedBy process id of the process that counted (the master)
 * @param run how many counts that process has made, this one included
 */
public record UsersCount(long count, Instant computedAt, long computedBy, long run) {
}
