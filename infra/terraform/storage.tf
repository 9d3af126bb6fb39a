# Three buckets, each with one purpose, so that IAM can be granted per bucket:
#   state     — services' documents, indexes, counters and aliases (compare-and-set writes);
#   staging   — run outputs before registration (training VMs write, artifact-writer moves them);
#   artifacts — registered model versions only: immutable under a retention policy, so anything
#               that must be overwritten (counters, aliases) belongs in state.

resource "google_storage_bucket" "state" {
  name                        = "${local.bucket_prefix}-state"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection

  versioning {
    enabled = true
  }

  # Versioning keeps what compare-and-set overwrote; noncurrent versions go after 30 days.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.api]
}

resource "google_storage_bucket" "staging" {
  name                        = "${local.bucket_prefix}-staging"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true

  lifecycle_rule {
    condition {
      age = var.staging_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.api]
}

resource "google_storage_bucket" "artifacts" {
  name                        = "${local.bucket_prefix}-artifacts"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  # A registered version cannot be overwritten or deleted before the period ends.
  retention_policy {
    retention_period = var.registry_retention_days * 86400
    is_locked        = var.lock_registry_retention
  }

  depends_on = [google_project_service.api]
}

locals {
  # Bucket key (as grants name it: "bucket:<key>") => bucket name.
  buckets = {
    state     = google_storage_bucket.state.name
    staging   = google_storage_bucket.staging.name
    artifacts = google_storage_bucket.artifacts.name
  }
}

resource "google_artifact_registry_repository" "images" {
  repository_id = var.artifact_registry_repository
  location      = var.region
  format        = "DOCKER"
  description   = "mlcp: the services' native images, examples and training images."

  depends_on = [google_project_service.api]
}
