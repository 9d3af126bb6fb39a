# The model registry's tables (artifact-writer inserts rows idempotently; queries answer "cost per
# owner per week" and "which version was production on a given date"). One schema file per table
# under schemas/; a schema grows by adding NULLABLE fields at the end.

locals {
  registry_tables = toset(["runs", "metrics", "resource_usage", "model_versions", "evaluations", "alias_history"])
}

resource "google_bigquery_dataset" "registry" {
  dataset_id  = "mlcp_registry"
  location    = var.bigquery_location
  description = "mlcp model registry: runs, metrics, resource use, model versions, evaluations, alias history."

  delete_contents_on_destroy = !var.deletion_protection

  depends_on = [google_project_service.api]
}

resource "google_bigquery_table" "registry" {
  for_each = local.registry_tables

  dataset_id          = google_bigquery_dataset.registry.dataset_id
  table_id            = each.key
  schema              = file("${path.module}/schemas/${each.key}.json")
  deletion_protection = var.deletion_protection

  time_partitioning {
    type = "DAY"
  }
}

# experiment-vm's read-only query results (POST /v1/queries writes each into a new table here,
# named as a training input bq://PROJECT.mlcp_scratch.q_<id>); tables expire on their own.
resource "google_bigquery_dataset" "scratch" {
  dataset_id                  = "mlcp_scratch"
  location                    = var.bigquery_location
  description                 = "mlcp experiment-vm: results of read-only queries, usable as training inputs; tables expire."
  default_table_expiration_ms = var.scratch_table_expiration_days * 24 * 60 * 60 * 1000

  delete_contents_on_destroy = true

  depends_on = [google_project_service.api]
}

locals {
  # Dataset grants by scope key (dataset:<key>).
  datasets = {
    registry = google_bigquery_dataset.registry.dataset_id
    scratch  = google_bigquery_dataset.scratch.dataset_id
  }
}
