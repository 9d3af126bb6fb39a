# mlcp on one Google Cloud project. The lists of topics, subscriptions and scheduled jobs come from
# the code (code_lists.tf.json, generated and kept in sync by the policy tests); the identities and
# their permissions are in iam.tf, mapped to seed 004's actions in README.md.

locals {
  # The four Cloud Run services; each runs as the service account of the same key.
  services = {
    "experiment-vm"    = { description = "notebook VMs, BigQuery browsing, artifacts and secrets for experimentation" }
    "training-runner"  = { description = "training runs on self-deleting Compute Engine VMs" }
    "artifact-writer"  = { description = "immutable, checksummed model versions and their validation gate" }
    "serving-deployer" = { description = "model revisions on a Compute Engine stack or Cloud Run, canary and rollback" }
  }

  zones = var.zones != null ? var.zones : ["${var.region}-a", "${var.region}-b", "${var.region}-c"]

  # Cloud Run's deterministic URL (https://SERVICE-PROJECT_NUMBER.REGION.run.app): the audience of
  # every token the services accept, known before the services exist.
  service_urls = { for s in keys(local.services) : s => "https://${s}-${data.google_project.this.number}.${var.region}.run.app" }

  registry      = "${var.region}-docker.pkg.dev/${var.project_id}/${var.artifact_registry_repository}"
  images        = { for s in keys(local.services) : s => lookup(var.images, s, "${local.registry}/${s}:${var.image_tag}") }
  ci_email      = google_service_account.sa["ci"].email
  endpoints     = var.endpoints_service_name != null ? var.endpoints_service_name : "serving.endpoints.${var.project_id}.cloud.goog"
  bucket_prefix = "${var.project_id}-mlcp"

  # What every service is told (config keys: libs' microprofile-config.properties and the
  # @ConfigMapping interfaces); var.service_env is merged over it.
  common_env = { for s in keys(local.services) : s => {
    MLCP_PROJECT_ID                  = var.project_id
    MLCP_PLATFORM                    = "gcp"
    MLCP_REGION                      = var.region
    MLCP_ZONES                       = join(",", local.zones)
    MLCP_WAREHOUSE_LOCATION          = var.bigquery_location
    MLCP_AUTH_AUDIENCES              = join(",", concat([local.service_urls[s]], var.user_token_audiences))
    MLCP_AUTH_ADMINS                 = join(",", concat([google_service_account.sa["scheduler"].email], var.admins))
    MLCP_AUTH_ALLOWED_DOMAINS        = join(",", concat(["${var.project_id}.iam.gserviceaccount.com"], var.allowed_domains))
    MLCP_PUBSUB_PUSH_AUDIENCE        = local.service_urls[s]
    MLCP_PUBSUB_PUSH_SERVICE_ACCOUNT = google_service_account.sa["pubsub-push"].email
    MLCP_STATE_BUCKET                = google_storage_bucket.state.name
    MLCP_STAGING_BUCKET              = google_storage_bucket.staging.name
    MLCP_ARTIFACTS_BUCKET            = google_storage_bucket.artifacts.name
    MLCP_REGISTRY_DATASET            = google_bigquery_dataset.registry.dataset_id
  } }

  own_env = {
    "experiment-vm" = {
      MLCP_EXPERIMENTS_VM_SERVICE_ACCOUNT      = google_service_account.sa["notebook"].email
      MLCP_EXPERIMENTS_WAREHOUSE_QUERY_DATASET = google_bigquery_dataset.scratch.dataset_id
      MLCP_URL_SIGNING_ACCOUNT                 = google_service_account.sa["experiment-vm"].email
    }
    "training-runner" = {
      MLCP_TRAINING_VM_SERVICE_ACCOUNT    = google_service_account.sa["training-vm"].email
      MLCP_TRAINING_REQUEST_SOURCES       = "//cloudbuild/${var.project_id}/train=${join("|", concat([local.ci_email], var.training_request_owners))},//mlcp/artifact-writer=*"
      MLCP_TRAINING_LIMITS_ALLOWED_IMAGES = "${local.registry}/"
    }
    "artifact-writer" = {
      MLCP_REGISTRY_BUCKET     = google_storage_bucket.artifacts.name
      MLCP_REGISTRY_PUBLISHERS = "//cloudbuild/${var.project_id}/train"
      MLCP_URL_SIGNING_ACCOUNT = google_service_account.sa["artifact-writer"].email
      MLCP_REGISTRY_READERS    = join(",", [google_service_account.sa["serving-deployer"].email, google_service_account.sa["training-runner"].email])
    }
    "serving-deployer" = {
      MLCP_SERVING_REQUEST_SOURCES   = "//cloudbuild/${var.project_id}/serve"
      MLCP_SERVING_DEPLOYERS         = local.ci_email
      MLCP_SERVING_REGISTRY_URL      = local.service_urls["artifact-writer"]
      MLCP_SERVING_REGISTRY_AUDIENCE = local.service_urls["artifact-writer"]
      MLCP_SERVING_ALLOWED_IMAGES    = "${var.region}-docker.pkg.dev/${var.project_id}/"
    }
  }

  env = { for s in keys(local.services) : s => merge(local.common_env[s], local.own_env[s], lookup(var.service_env, s, {})) }
}
