package dev.mlcp.experiments.data;

/** A query would scan more than the per-query cap: 400 with both figures and the cap's key. */
public class BytesCapExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BytesCapExceededException(long bytes, long cap) {
    super(
        "the query would process "
            + bytes
            + " bytes, more than the per-query limit of "
            + cap
            + " bytes (admin cap mlcp.experiments.warehouse.max-bytes-billed); select fewer"
            + " columns or filter on the table's partitions");
  }
}
