package dev.mlcp.experiments.data;

import dev.mlcp.platform.PlatformException;
import dev.mlcp.platform.warehouse.Field;
import dev.mlcp.platform.warehouse.FieldType;
import dev.mlcp.platform.warehouse.TableId;
import dev.mlcp.platform.warehouse.TableSchema;
import dev.mlcp.platform.warehouse.Warehouse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A small, deterministic sample dataset for local mode, so the README's queries return rows: {@code
 * samples.customers}, 500 customers of a subscription product with whether they churned (the kind
 * of table the sample trainer's logistic regression learns from), and the empty scratch dataset
 * query results go to.
 */
public final class SampleDataset {
  /** The sample table. */
  public static final TableId CUSTOMERS = new TableId("samples", "customers");

  static final TableSchema SCHEMA =
      TableSchema.of(
          Field.required("customer_id", FieldType.INT64),
          Field.nullable("plan", FieldType.STRING),
          Field.nullable("tenure_months", FieldType.INT64),
          Field.nullable("monthly_charges", FieldType.FLOAT64),
          Field.nullable("support_calls", FieldType.INT64),
          Field.nullable("signup_date", FieldType.DATE),
          Field.nullable("churned", FieldType.BOOL));

  private SampleDataset() {}

  /**
   * Creates the sample table and the scratch dataset, each unless it exists.
   *
   * @return whether it loaded anything
   */
  public static boolean loadIfMissing(Warehouse warehouse, String scratchDataset) {
    boolean loaded = false;
    if (!warehouse.listDatasets().contains(CUSTOMERS.dataset())
        || !warehouse.listTables(CUSTOMERS.dataset()).contains(CUSTOMERS.table())) {
      warehouse.insertRows(CUSTOMERS, SCHEMA, rows());
      loaded = true;
    }
    if (!warehouse.listDatasets().contains(scratchDataset)) {
      // A dataset exists once it holds a table: a marker, which results never overwrite.
      TableId marker = new TableId(scratchDataset, "_mlcp_scratch");
      warehouse.insertRows(
          marker,
          TableSchema.of(Field.nullable("note", FieldType.STRING)),
          List.of(Map.of("note", "query results of experiment-vm")));
      loaded = true;
    }
    return loaded;
  }

  /** The rows: fixed seed, so every machine has the same data. */
  static List<Map<String, Object>> rows() {
    Random random = new Random(20260504L);
    List<String> plans = List.of("basic", "standard", "premium");
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 1; i <= 500; i++) {
      String plan = plans.get(random.nextInt(plans.size()));
      long tenure = 1 + random.nextInt(72);
      double charges =
          Math.round(
                  (plan.equals("basic") ? 19 : plan.equals("standard") ? 49 : 89)
                      * (0.9 + random.nextDouble() * 0.3)
                      * 100)
              / 100.0;
      long calls = random.nextInt(8);
      double risk = 0.35 * calls / 7.0 + 0.4 * (1 - tenure / 72.0) + 0.15 * random.nextDouble();
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("customer_id", (long) i);
      row.put("plan", plan);
      row.put("tenure_months", tenure);
      row.put("monthly_charges", charges);
      row.put("support_calls", calls);
      row.put("signup_date", LocalDate.of(2026, 5, 1).minusMonths(tenure));
      row.put("churned", risk > 0.45);
      rows.add(row);
    }
    return rows;
  }

  /** Whether {@code e} says another process holds the warehouse (DuckDB's file lock). */
  public static boolean busy(PlatformException e) {
    return e.kind() == PlatformException.Kind.TRANSIENT;
  }
}
