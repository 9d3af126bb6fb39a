package dev.mlcp.experiments.data;

/**
 * A query that is not one SELECT statement, as the warehouse's own dry run classified it (never a
 * guess from the SQL text): 400 naming the statement type.
 */
public class NotReadOnlyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String statementType;

  public NotReadOnlyException(String statementType) {
    super(
        "only read-only queries run here: the warehouse parsed this as "
            + statementType
            + ", not one SELECT statement");
    this.statementType = statementType;
  }

  /** The statement type the dry run reported. */
  public String statementType() {
    return statementType;
  }
}
