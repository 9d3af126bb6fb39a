package dev.mlcp.experiments.data;

import dev.mlcp.state.Document;
import dev.mlcp.state.Outbox;
import java.time.Instant;

/**
 * A query that ran: who ran it and where its result is, so only its owner (or an admin) pages
 * through the result.
 *
 * @param id {@code q_<ulid>}, also the result table's name
 * @param owner who ran it
 * @param dataset the dataset of the result table
 * @param destination the result as a training input, {@code bq://PROJECT.DATASET.TABLE}
 * @param totalRows rows in the result
 * @param bytesProcessed bytes the dry run estimated
 * @param createdAt when it ran
 * @param outbox unused (queries emit no events)
 */
public record QueryRecord(
    String id,
    String owner,
    String dataset,
    String destination,
    long totalRows,
    long bytesProcessed,
    Instant createdAt,
    Outbox outbox)
    implements Document<QueryRecord> {

  public QueryRecord {
    outbox = outbox == null ? Outbox.empty() : outbox;
  }

  @Override
  public QueryRecord withOutbox(Outbox next) {
    return new QueryRecord(
        id, owner, dataset, destination, totalRows, bytesProcessed, createdAt, next);
  }
}
