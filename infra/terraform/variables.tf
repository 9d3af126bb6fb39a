variable "project_id" {
  type        = string
  description = "Google Cloud project that holds everything mlcp runs and stores."
}

variable "region" {
  type        = string
  description = "Region of the Cloud Run services, Artifact Registry, buckets, scheduler jobs, MIGs and autoscalers."
  default     = "europe-west4"
}

variable "zones" {
  type        = list(string)
  description = "Zones for training and notebook VMs, in order of preference; null takes the region's a, b and c."
  default     = null
}

variable "bigquery_location" {
  type        = string
  description = "Location of the registry dataset (and of datasets the warehouse creates: MLCP_WAREHOUSE_LOCATION)."
  default     = "EU"
}

variable "scratch_table_expiration_days" {
  type        = number
  description = "Days after which experiment-vm's query results (dataset mlcp_scratch) are deleted."
  default     = 7
}

variable "labels" {
  type        = map(string)
  description = "Extra labels on every resource that takes labels."
  default     = {}
}

variable "allowed_domains" {
  type        = list(string)
  description = "Email domains of the people who may call mlcp's APIs (MLCP_AUTH_ALLOWED_DOMAINS), e.g. [\"example.com\"]; the project's service-account domain is added. Required: a Google ID token for a service's audience can be minted by any Google account."

  validation {
    condition     = length(var.allowed_domains) > 0 && alltrue([for d in var.allowed_domains : can(regex("^[a-z0-9.-]+\\.[a-z]{2,}$", d))])
    error_message = "Name at least one domain, lower-case, without '@' (e.g. example.com)."
  }
}

variable "user_token_audiences" {
  type        = list(string)
  description = "Audiences accepted besides the service URL (MLCP_AUTH_AUDIENCES): by default the Google Cloud CLI's OAuth client, so that `gcloud auth print-identity-token` works for developers; Cloud Run's invoker check and var.allowed_domains still apply. [] accepts only tokens minted for the service URL."
  default     = ["32555940559.apps.googleusercontent.com"]
}

variable "admins" {
  type        = list(string)
  description = "Emails holding mlcp's admin role (MLCP_AUTH_ADMINS); the scheduler's service account is always added, since every scheduled job calls an admin endpoint."
  default     = []
}

variable "developers_group" {
  type        = string
  description = "IAM member of the ML team (e.g. group:ml-team@example.com): may invoke the Cloud Build triggers and call the services, and reads what seed 004's user-account actions read. null grants nothing."
  default     = null

  validation {
    condition     = var.developers_group == null || can(regex("^(group|user|domain):", var.developers_group))
    error_message = "Use an IAM member such as group:ml-team@example.com."
  }
}

variable "artifact_registry_repository" {
  type        = string
  description = "Docker repository (in var.region) for the services' images, the examples and training images."
  default     = "mlcp"
}

variable "image_tag" {
  type        = string
  description = "Tag of the services' native images Cloud Run starts with; Cloud Build's deploys replace the image afterwards (Terraform ignores later image changes)."
  default     = "latest"
}

variable "images" {
  type        = map(string)
  description = "Per-service image overrides (service name => full image reference), e.g. the JVM image <service>-jvm as a fallback."
  default     = {}

  validation {
    condition     = alltrue([for s in keys(var.images) : contains(["experiment-vm", "training-runner", "artifact-writer", "serving-deployer"], s)])
    error_message = "Keys must be service names: experiment-vm, training-runner, artifact-writer, serving-deployer."
  }
}

variable "ingress" {
  type        = string
  description = "Cloud Run ingress of the four services: INGRESS_TRAFFIC_ALL (IAM still required) or INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER (Pub/Sub push and Cloud Scheduler of this project count as internal)."
  default     = "INGRESS_TRAFFIC_ALL"

  validation {
    condition     = contains(["INGRESS_TRAFFIC_ALL", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"], var.ingress)
    error_message = "ingress must be INGRESS_TRAFFIC_ALL or INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER."
  }
}

variable "max_instances" {
  type        = number
  description = "Upper bound of each Cloud Run service's instances (the lower bound is 0: idle services cost nothing)."
  default     = 5
}

variable "service_env" {
  type        = map(map(string))
  description = "Extra environment per service (service name => {KEY = value}); merged over the computed one, so a new config key needs no module change, e.g. { training-runner = { MLCP_TRAINING_LIMITS_MAX_ACTIVE_RUNS_PER_OWNER = \"5\" } }."
  default     = {}

  validation {
    condition     = alltrue([for s in keys(var.service_env) : contains(["experiment-vm", "training-runner", "artifact-writer", "serving-deployer"], s)])
    error_message = "Keys must be service names: experiment-vm, training-runner, artifact-writer, serving-deployer."
  }

  # The scheduler's account must stay an admin of every service (its jobs call admin endpoints).
  validation {
    condition     = alltrue([for s, e in var.service_env : !contains(keys(e), "MLCP_AUTH_ADMINS")])
    error_message = "Set admins with var.admins, not MLCP_AUTH_ADMINS: the scheduler's account is always added."
  }
}

variable "service_secrets" {
  type = map(map(object({
    secret  = string
    version = optional(string, "latest")
  })))
  description = "Environment variables taken from Secret Manager per service (service name => {ENV_NAME = {secret, version}}); the service's own account gets access to exactly these secrets."
  default     = {}

  validation {
    condition     = alltrue([for s in keys(var.service_secrets) : contains(["experiment-vm", "training-runner", "artifact-writer", "serving-deployer"], s)])
    error_message = "Keys must be service names: experiment-vm, training-runner, artifact-writer, serving-deployer."
  }
}

variable "ml_secret_prefix" {
  type        = string
  description = "Secret ids the ML processes may use start with this (IAM conditions on the secret name): experiment-vm manages them, training VMs read them. Secrets outside the prefix (the platform's own) stay out of reach."
  default     = "ml-"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.ml_secret_prefix))
    error_message = "Use letters, digits, '-' and '_' (a secret id prefix)."
  }
}

variable "training_input_buckets" {
  type        = list(string)
  description = "Data buckets (besides artifacts and staging) that training runs may read as inputs; the training VMs get object read on each."
  default     = []
}

variable "training_request_owners" {
  type        = list(string)
  description = "Owners, besides the CI/CD service account, the manual training trigger may request runs for (MLCP_TRAINING_REQUEST_SOURCES for //cloudbuild/<project>/train)."
  default     = []
}

variable "staging_retention_days" {
  type        = number
  description = "Days after which objects in the staging bucket (run outputs not registered) are deleted."
  default     = 7
}

variable "registry_retention_days" {
  type        = number
  description = "Retention of the artifacts bucket: a registered model version cannot be overwritten or deleted for this many days."
  default     = 90
}

variable "lock_registry_retention" {
  type        = bool
  description = "Lock the artifacts bucket's retention policy (irreversible: the period can then only grow)."
  default     = false
}

variable "auxiliary_instance_prefix" {
  type        = string
  description = "Name prefix of Compute Engine instances running auxiliary services, which CI/CD may restart (reset) to reload their images."
  default     = "mlcp-aux-"
}

variable "endpoints_service_name" {
  type        = string
  description = "Cloud Endpoints service of the serving stack; null means serving.endpoints.<project>.cloud.goog."
  default     = null
}

variable "github_owner" {
  type        = string
  description = "GitHub owner of the repository the Cloud Build triggers build (connected to Cloud Build beforehand)."
}

variable "github_repository" {
  type        = string
  description = "GitHub repository name the Cloud Build triggers build."
}

variable "main_branch" {
  type        = string
  description = "Branch whose pushes build, test and deploy the services."
  default     = "main"
}

variable "deletion_protection" {
  type        = bool
  description = "Protect the Cloud Run services, buckets with data and the registry dataset from terraform destroy."
  default     = true
}
