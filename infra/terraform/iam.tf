# One service account per process (seed 004) and per platform identity, each with custom roles that
# list exactly the permissions of README.md's action → permission table; the policy tests hold the
# two together. Nothing here uses a basic role or a project-wide serviceAccountUser.

locals {
  # key => account (mlcp-<key>). The Cloud Run services run as the account of their own name.
  service_accounts = {
    "experiment-vm"    = { process = "Experimentation", description = "experiment-vm (Cloud Run): notebook VMs, BigQuery and Spanner reads, artifacts, ML secrets" }
    "notebook"         = { process = "Experimentation", description = "notebook VMs: what a developer's notebook reads (BigQuery, Spanner, artifacts)" }
    "training-runner"  = { process = "Training", description = "training-runner (Cloud Run): creates and deletes training VMs, reads their results" }
    "training-vm"      = { process = "Training", description = "training VMs: logs, staging writes, training-completed, ML secrets, deleting training VMs" }
    "artifact-writer"  = { process = "Training", description = "artifact-writer (Cloud Run): registers staging outputs as immutable model versions" }
    "serving-deployer" = { process = "Serving", description = "serving-deployer (Cloud Run): the actively deployed serving stack, URL map and Endpoints config" }
    "model-server"     = { process = "Serving", description = "serving instances: what a served model reads (BigQuery, Spanner, artifacts)" }
    "ci"               = { process = "CI/CD", description = "Cloud Build: images, Cloud Run deploys, training and deploy requests" }
    "scheduler"        = { process = "Platform", description = "Cloud Scheduler: calls the services' internal endpoints (an mlcp admin)" }
    "pubsub-push"      = { process = "Platform", description = "Pub/Sub push subscriptions: the OIDC identity of every push" }
  }

  # IAM conditions, by name (the grants and README.md's scope column use the name).
  conditions = {
    "training-vms" = {
      title       = "training VMs only"
      description = "Instances whose name starts with the prefix of training-runner's run ids."
      expression  = "resource.type == \"compute.googleapis.com/Instance\" && resource.name.extract(\"/instances/{name}\").startsWith(\"${local.training_vm_name_prefix}\")"
    }
    "ml-secrets" = {
      title       = "ML secrets only"
      description = "Secrets whose id starts with var.ml_secret_prefix; the platform's own secrets stay out of reach."
      expression  = "resource.name.startsWith(\"projects/${data.google_project.this.number}/secrets/${var.ml_secret_prefix}\")"
    }
    "auxiliary-vms" = {
      title       = "auxiliary VMs only"
      description = "Instances running auxiliary services (var.auxiliary_instance_prefix)."
      expression  = "resource.type == \"compute.googleapis.com/Instance\" && resource.name.extract(\"/instances/{name}\").startsWith(\"${var.auxiliary_instance_prefix}\")"
    }
  }

  # training-runner names a run's VM after the run: run-<ulid>[-a<attempt>].
  training_vm_name_prefix = "run-"

  # Every grant: a custom role with exactly these permissions, granted to one identity (a key of
  # local.service_accounts, or "developers" = var.developers_group) on one scope:
  # project | bucket:<key> | topic:<name> | subscription:<name> | repository |
  # service-account:<key> | run-service:<name> | dataset:registry | dataset:scratch; condition = a key of
  # local.conditions or null.
  grants = {
    # --- Experimentation: experiment-vm ---------------------------------------------------------
    "experiment-vm-project" = {
      account = "experiment-vm", scope = "project", condition = null
      permissions = [
        "bigquery.datasets.get", "bigquery.jobs.create", "bigquery.tables.get", "bigquery.tables.getData", "bigquery.tables.list",
        "compute.disks.create", "compute.instances.create", "compute.instances.delete", "compute.instances.get",
        "compute.instances.getGuestAttributes", "compute.instances.list", "compute.instances.setLabels",
        "compute.instances.setMetadata", "compute.instances.setScheduling", "compute.instances.setServiceAccount",
        "compute.instances.start", "compute.instances.stop", "compute.subnetworks.use", "compute.subnetworks.useExternalIp", "compute.zoneOperations.get",
        "secretmanager.secrets.create", "secretmanager.secrets.list",
        "spanner.databases.beginReadOnlyTransaction", "spanner.databases.getDdl", "spanner.databases.list",
        "spanner.databases.read", "spanner.databases.select", "spanner.instances.get", "spanner.instances.list",
        "spanner.sessions.create", "spanner.sessions.delete",
      ]
    }
    "experiment-vm-ml-secrets" = {
      account = "experiment-vm", scope = "project", condition = "ml-secrets"
      permissions = [
        "secretmanager.secrets.get", "secretmanager.secrets.update", "secretmanager.versions.access",
        "secretmanager.versions.add", "secretmanager.versions.list",
      ]
    }
    "experiment-vm-reads-artifacts"   = { account = "experiment-vm", scope = "bucket:artifacts", condition = null, permissions = ["storage.objects.get", "storage.objects.list"] }
    "experiment-vm-state"             = { account = "experiment-vm", scope = "bucket:state", condition = null, permissions = ["storage.objects.create", "storage.objects.delete", "storage.objects.get", "storage.objects.list"] }
    "experiment-vm-publishes"         = { account = "experiment-vm", scope = "topic:experiment-events", condition = null, permissions = ["pubsub.topics.publish"] }
    "experiment-vm-attaches-notebook" = { account = "experiment-vm", scope = "service-account:notebook", condition = null, permissions = ["iam.serviceAccounts.actAs"] }
    "experiment-vm-signs-urls"        = { account = "experiment-vm", scope = "service-account:experiment-vm", condition = null, permissions = ["iam.serviceAccounts.signBlob"] }
    "experiment-vm-query-results" = {
      account     = "experiment-vm", scope = "dataset:scratch", condition = null
      permissions = ["bigquery.tables.create", "bigquery.tables.get", "bigquery.tables.getData", "bigquery.tables.updateData"]
    }

    # --- Experimentation: notebook VMs ----------------------------------------------------------
    "notebook-project" = {
      account = "notebook", scope = "project", condition = null
      permissions = [
        "bigquery.datasets.get", "bigquery.jobs.create", "bigquery.tables.get", "bigquery.tables.getData", "bigquery.tables.list",
        "spanner.databases.beginReadOnlyTransaction", "spanner.databases.getDdl", "spanner.databases.list",
        "spanner.databases.read", "spanner.databases.select", "spanner.instances.get", "spanner.instances.list",
        "spanner.sessions.create", "spanner.sessions.delete",
      ]
    }
    "notebook-reads-artifacts" = { account = "notebook", scope = "bucket:artifacts", condition = null, permissions = ["storage.objects.get", "storage.objects.list"] }

    # --- Training: training-runner --------------------------------------------------------------
    "training-runner-project" = {
      account = "training-runner", scope = "project", condition = null
      permissions = [
        "bigquery.datasets.get", "bigquery.jobs.create", "bigquery.tables.export", "bigquery.tables.get", "bigquery.tables.getData",
        "compute.disks.create", "compute.instances.create", "compute.instances.delete", "compute.instances.get",
        "compute.instances.list", "compute.instances.setLabels", "compute.instances.setMetadata",
        "compute.instances.setServiceAccount", "compute.subnetworks.use", "compute.zoneOperations.get",
        "logging.logEntries.list",
      ]
    }
    "training-runner-ml-secrets"     = { account = "training-runner", scope = "project", condition = "ml-secrets", permissions = ["secretmanager.secrets.get"] }
    "training-runner-state"          = { account = "training-runner", scope = "bucket:state", condition = null, permissions = ["storage.objects.create", "storage.objects.delete", "storage.objects.get", "storage.objects.list"] }
    "training-runner-reads-staging"  = { account = "training-runner", scope = "bucket:staging", condition = null, permissions = ["storage.objects.get", "storage.objects.list"] }
    "training-runner-publishes"      = { account = "training-runner", scope = "topic:run-events", condition = null, permissions = ["pubsub.topics.publish"] }
    "training-runner-attaches-vm-sa" = { account = "training-runner", scope = "service-account:training-vm", condition = null, permissions = ["iam.serviceAccounts.actAs"] }

    # --- Training: training VMs -----------------------------------------------------------------
    "training-vm-deletes-training-vms" = { account = "training-vm", scope = "project", condition = "training-vms", permissions = ["compute.instances.delete", "compute.instances.get"] }
    "training-vm-project"              = { account = "training-vm", scope = "project", condition = null, permissions = ["logging.logEntries.create"] }
    "training-vm-ml-secrets"           = { account = "training-vm", scope = "project", condition = "ml-secrets", permissions = ["secretmanager.versions.access"] }
    "training-vm-staging"              = { account = "training-vm", scope = "bucket:staging", condition = null, permissions = ["storage.objects.create", "storage.objects.get", "storage.objects.list"] }
    "training-vm-reads-inputs"         = { account = "training-vm", scope = "bucket:artifacts", condition = null, permissions = ["storage.objects.get", "storage.objects.list"] }
    "training-vm-publishes"            = { account = "training-vm", scope = "topic:training-completed", condition = null, permissions = ["pubsub.topics.publish"] }
    "training-vm-pulls-images"         = { account = "training-vm", scope = "repository", condition = null, permissions = ["artifactregistry.repositories.downloadArtifacts"] }

    # --- Training: artifact-writer (the registry) -----------------------------------------------
    "artifact-writer-project"   = { account = "artifact-writer", scope = "project", condition = null, permissions = ["bigquery.jobs.create"] }
    "artifact-writer-staging"   = { account = "artifact-writer", scope = "bucket:staging", condition = null, permissions = ["storage.objects.delete", "storage.objects.get", "storage.objects.list"] }
    "artifact-writer-artifacts" = { account = "artifact-writer", scope = "bucket:artifacts", condition = null, permissions = ["storage.objects.create", "storage.objects.get", "storage.objects.list"] }
    "artifact-writer-state"     = { account = "artifact-writer", scope = "bucket:state", condition = null, permissions = ["storage.objects.create", "storage.objects.delete", "storage.objects.get", "storage.objects.list"] }
    "artifact-writer-registry" = {
      account = "artifact-writer", scope = "dataset:registry", condition = null
      permissions = [
        "bigquery.datasets.get", "bigquery.tables.create", "bigquery.tables.get", "bigquery.tables.getData",
        "bigquery.tables.update", "bigquery.tables.updateData",
      ]
    }
    "artifact-writer-publishes"            = { account = "artifact-writer", scope = "topic:model-versions", condition = null, permissions = ["pubsub.topics.publish"] }
    "artifact-writer-requests-evaluations" = { account = "artifact-writer", scope = "topic:training-requests", condition = null, permissions = ["pubsub.topics.publish"] }
    "artifact-writer-signs-urls"           = { account = "artifact-writer", scope = "service-account:artifact-writer", condition = null, permissions = ["iam.serviceAccounts.signBlob"] }

    # --- Serving: serving-deployer --------------------------------------------------------------
    "serving-deployer-project" = {
      account = "serving-deployer", scope = "project", condition = null
      permissions = [
        "compute.autoscalers.create", "compute.autoscalers.delete",
        "compute.backendServices.create", "compute.backendServices.delete", "compute.backendServices.get", "compute.backendServices.use",
        "compute.globalOperations.get",
        "compute.healthChecks.create", "compute.healthChecks.delete", "compute.healthChecks.useReadOnly",
        "compute.instanceGroupManagers.create", "compute.instanceGroupManagers.delete", "compute.instanceGroupManagers.get",
        "compute.instanceGroups.use",
        "compute.instanceTemplates.create", "compute.instanceTemplates.delete", "compute.instanceTemplates.useReadOnly",
        "compute.regionOperations.get",
        "compute.urlMaps.get", "compute.urlMaps.update",
        "monitoring.timeSeries.list",
        "run.operations.get", "run.revisions.delete", "run.revisions.get", "run.revisions.list",
        "run.services.create", "run.services.get", "run.services.update",
        "servicemanagement.services.get", "servicemanagement.services.update",
      ]
    }
    "serving-deployer-state"             = { account = "serving-deployer", scope = "bucket:state", condition = null, permissions = ["storage.objects.create", "storage.objects.delete", "storage.objects.get", "storage.objects.list"] }
    "serving-deployer-publishes"         = { account = "serving-deployer", scope = "topic:deploy-events", condition = null, permissions = ["pubsub.topics.publish"] }
    "serving-deployer-attaches-model-sa" = { account = "serving-deployer", scope = "service-account:model-server", condition = null, permissions = ["iam.serviceAccounts.actAs"] }
    "serving-deployer-verifies-versions" = { account = "serving-deployer", scope = "run-service:artifact-writer", condition = null, permissions = ["run.routes.invoke"] }

    # --- Serving: serving instances -------------------------------------------------------------
    "model-server-project" = {
      account = "model-server", scope = "project", condition = null
      permissions = [
        "bigquery.jobs.create", "bigquery.tables.getData", "logging.logEntries.create",
        "spanner.databases.beginReadOnlyTransaction", "spanner.databases.read", "spanner.databases.select",
        "spanner.sessions.create", "spanner.sessions.delete",
      ]
    }
    "model-server-reads-artifacts" = { account = "model-server", scope = "bucket:artifacts", condition = null, permissions = ["storage.objects.get", "storage.objects.list"] }
    "model-server-pulls-images"    = { account = "model-server", scope = "repository", condition = null, permissions = ["artifactregistry.repositories.downloadArtifacts"] }

    # --- CI/CD: Cloud Build ---------------------------------------------------------------------
    "ci-images"                      = { account = "ci", scope = "repository", condition = null, permissions = ["artifactregistry.repositories.downloadArtifacts", "artifactregistry.repositories.uploadArtifacts", "artifactregistry.tags.create", "artifactregistry.tags.update"] }
    "ci-project"                     = { account = "ci", scope = "project", condition = null, permissions = ["logging.logEntries.create", "run.operations.get", "run.services.get", "run.services.update"] }
    "ci-resets-auxiliary"            = { account = "ci", scope = "project", condition = "auxiliary-vms", permissions = ["compute.instances.reset"] }
    "ci-deploys-as-experiment-vm"    = { account = "ci", scope = "service-account:experiment-vm", condition = null, permissions = ["iam.serviceAccounts.actAs"] }
    "ci-deploys-as-training-runner"  = { account = "ci", scope = "service-account:training-runner", condition = null, permissions = ["iam.serviceAccounts.actAs"] }
    "ci-deploys-as-artifact-writer"  = { account = "ci", scope = "service-account:artifact-writer", condition = null, permissions = ["iam.serviceAccounts.actAs"] }
    "ci-deploys-as-serving-deployer" = { account = "ci", scope = "service-account:serving-deployer", condition = null, permissions = ["iam.serviceAccounts.actAs"] }
    "ci-requests-training"           = { account = "ci", scope = "topic:training-requests", condition = null, permissions = ["pubsub.topics.publish"] }
    "ci-requests-deploys"            = { account = "ci", scope = "topic:deploy-requests", condition = null, permissions = ["pubsub.topics.publish"] }
    "ci-waits-for-deploys"           = { account = "ci", scope = "subscription:cloudbuild.deploy-events", condition = null, permissions = ["pubsub.subscriptions.consume"] }

    # --- Platform: Cloud Scheduler and Pub/Sub push -------------------------------------------
    "scheduler-calls-training-runner"    = { account = "scheduler", scope = "run-service:training-runner", condition = null, permissions = ["run.routes.invoke"] }
    "pubsub-push-calls-training-runner"  = { account = "pubsub-push", scope = "run-service:training-runner", condition = null, permissions = ["run.routes.invoke"] }
    "scheduler-calls-artifact-writer"    = { account = "scheduler", scope = "run-service:artifact-writer", condition = null, permissions = ["run.routes.invoke"] }
    "pubsub-push-calls-artifact-writer"  = { account = "pubsub-push", scope = "run-service:artifact-writer", condition = null, permissions = ["run.routes.invoke"] }
    "scheduler-calls-serving-deployer"   = { account = "scheduler", scope = "run-service:serving-deployer", condition = null, permissions = ["run.routes.invoke"] }
    "pubsub-push-calls-serving-deployer" = { account = "pubsub-push", scope = "run-service:serving-deployer", condition = null, permissions = ["run.routes.invoke"] }
    "scheduler-calls-experiment-vm"      = { account = "scheduler", scope = "run-service:experiment-vm", condition = null, permissions = ["run.routes.invoke"] }

    # --- The ML team (user accounts), when var.developers_group is set --------------------------
    "developers-project" = {
      account = "developers", scope = "project", condition = null
      permissions = [
        "bigquery.datasets.get", "bigquery.jobs.create", "bigquery.tables.get", "bigquery.tables.getData", "bigquery.tables.list",
        "cloudbuild.builds.create",
        "spanner.databases.beginReadOnlyTransaction", "spanner.databases.read", "spanner.databases.select",
        "spanner.sessions.create", "spanner.sessions.delete",
      ]
    }
    "developers-read-artifacts"        = { account = "developers", scope = "bucket:artifacts", condition = null, permissions = ["storage.objects.get", "storage.objects.list"] }
    "developers-pull-images"           = { account = "developers", scope = "repository", condition = null, permissions = ["artifactregistry.repositories.downloadArtifacts"] }
    "developers-call-experiment-vm"    = { account = "developers", scope = "run-service:experiment-vm", condition = null, permissions = ["run.routes.invoke"] }
    "developers-call-training-runner"  = { account = "developers", scope = "run-service:training-runner", condition = null, permissions = ["run.routes.invoke"] }
    "developers-call-artifact-writer"  = { account = "developers", scope = "run-service:artifact-writer", condition = null, permissions = ["run.routes.invoke"] }
    "developers-call-serving-deployer" = { account = "developers", scope = "run-service:serving-deployer", condition = null, permissions = ["run.routes.invoke"] }
  }

  # Identity key => IAM member. "developers" only exists when var.developers_group is set.
  members = merge(
    { for k, sa in google_service_account.sa : k => "serviceAccount:${sa.email}" },
    var.developers_group == null ? {} : { developers = var.developers_group },
  )
}

resource "google_service_account" "sa" {
  for_each = local.service_accounts

  account_id   = "mlcp-${each.key}"
  display_name = "mlcp ${each.key}"
  description  = "${each.value.process}: ${each.value.description}"

  depends_on = [google_project_service.api]
}

resource "google_project_iam_custom_role" "grant" {
  for_each = local.grants

  role_id     = "mlcp_${replace(each.key, "-", "_")}"
  title       = "mlcp ${each.key}"
  description = "Granted to ${each.value.account} on ${each.value.scope}; see infra/terraform/README.md."
  permissions = each.value.permissions
}

# --- Wiring: each grant at its scope -----------------------------------------------------------

resource "google_project_iam_member" "grant" {
  for_each = { for k, g in local.grants : k => g if g.scope == "project" && contains(keys(local.members), g.account) }

  project = var.project_id
  role    = google_project_iam_custom_role.grant[each.key].id
  member  = local.members[each.value.account]

  dynamic "condition" {
    for_each = each.value.condition == null ? [] : [local.conditions[each.value.condition]]
    content {
      title       = condition.value.title
      description = condition.value.description
      expression  = condition.value.expression
    }
  }
}

resource "google_storage_bucket_iam_member" "grant" {
  for_each = { for k, g in local.grants : k => g if startswith(g.scope, "bucket:") && contains(keys(local.members), g.account) }

  bucket = local.buckets[trimprefix(each.value.scope, "bucket:")]
  role   = google_project_iam_custom_role.grant[each.key].id
  member = local.members[each.value.account]
}

# Training inputs in data buckets outside mlcp's: the same read as on the artifacts bucket.
resource "google_storage_bucket_iam_member" "training_inputs" {
  for_each = toset(var.training_input_buckets)

  bucket = each.value
  role   = google_project_iam_custom_role.grant["training-vm-reads-inputs"].id
  member = local.members["training-vm"]
}

resource "google_pubsub_topic_iam_member" "grant" {
  for_each = { for k, g in local.grants : k => g if startswith(g.scope, "topic:") && contains(keys(local.members), g.account) }

  topic  = google_pubsub_topic.topic[trimprefix(each.value.scope, "topic:")].name
  role   = google_project_iam_custom_role.grant[each.key].id
  member = local.members[each.value.account]
}

resource "google_pubsub_subscription_iam_member" "grant" {
  for_each = { for k, g in local.grants : k => g if startswith(g.scope, "subscription:") && contains(keys(local.members), g.account) }

  subscription = local.subscription_names[trimprefix(each.value.scope, "subscription:")]
  role         = google_project_iam_custom_role.grant[each.key].id
  member       = local.members[each.value.account]
}

resource "google_artifact_registry_repository_iam_member" "grant" {
  for_each = { for k, g in local.grants : k => g if g.scope == "repository" && contains(keys(local.members), g.account) }

  repository = google_artifact_registry_repository.images.name
  location   = google_artifact_registry_repository.images.location
  role       = google_project_iam_custom_role.grant[each.key].id
  member     = local.members[each.value.account]
}

# serviceAccountUser-like grants (actAs) and signBlob exist only on the one account concerned.
resource "google_service_account_iam_member" "grant" {
  for_each = { for k, g in local.grants : k => g if startswith(g.scope, "service-account:") && contains(keys(local.members), g.account) }

  service_account_id = google_service_account.sa[trimprefix(each.value.scope, "service-account:")].name
  role               = google_project_iam_custom_role.grant[each.key].id
  member             = local.members[each.value.account]
}

resource "google_cloud_run_v2_service_iam_member" "grant" {
  for_each = { for k, g in local.grants : k => g if startswith(g.scope, "run-service:") && contains(keys(local.members), g.account) }

  name     = google_cloud_run_v2_service.service[trimprefix(each.value.scope, "run-service:")].name
  location = var.region
  role     = google_project_iam_custom_role.grant[each.key].id
  member   = local.members[each.value.account]
}

resource "google_bigquery_dataset_iam_member" "grant" {
  for_each = { for k, g in local.grants : k => g if startswith(g.scope, "dataset:") && contains(keys(local.members), g.account) }

  dataset_id = local.datasets[trimprefix(each.value.scope, "dataset:")]
  role       = google_project_iam_custom_role.grant[each.key].id
  member     = local.members[each.value.account]
}

# Secrets a service takes as environment variables (var.service_secrets): its own account may read
# exactly those.
resource "google_project_iam_custom_role" "secret_env" {
  role_id     = "mlcp_secret_env"
  title       = "mlcp secret env"
  description = "Read a secret a Cloud Run service takes as an environment variable; see infra/terraform/README.md."
  permissions = ["secretmanager.versions.access"]
}

locals {
  secret_env = merge([for s, vars in var.service_secrets : { for name, ref in vars : "${s}/${name}" => { service = s, secret = ref.secret } }]...)
}

resource "google_secret_manager_secret_iam_member" "secret_env" {
  for_each = local.secret_env

  secret_id = each.value.secret
  role      = google_project_iam_custom_role.secret_env.id
  member    = local.members[each.value.service]
}
