# Cloud Build triggers, all running as the CI/CD account (never Cloud Build's default one):
#   mlcp-main  — every push to var.main_branch: tests, native images, Cloud Run deploys (cloudbuild.yaml);
#   mlcp-train — manual: publishes training.requested (infra/cloudbuild/train.yaml);
#   mlcp-serve — manual: publishes deploy.requested and waits for the outcome (infra/cloudbuild/serve.yaml).
# The GitHub repository must be connected to Cloud Build in the project first (README.md).

locals {
  repository_uri = "https://github.com/${var.github_owner}/${var.github_repository}"
  build_substitutions = {
    _REGION     = var.region
    _REPOSITORY = var.artifact_registry_repository
  }
}

resource "google_cloudbuild_trigger" "main" {
  name            = "mlcp-main"
  location        = var.region
  description     = "Test, build native images, push and deploy the four services."
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.sa["ci"].id
  substitutions   = merge(local.build_substitutions, { _DEPLOY = "true" })

  github {
    owner = var.github_owner
    name  = var.github_repository
    push {
      branch = "^${var.main_branch}$"
    }
  }

  depends_on = [google_project_service.api]
}

resource "google_cloudbuild_trigger" "train" {
  name            = "mlcp-train"
  location        = var.region
  description     = "Manual: request a training run (training.requested on training-requests)."
  service_account = google_service_account.sa["ci"].id
  substitutions = merge(local.build_substitutions, {
    _NAME    = "sample-trainer"
    _IMAGE   = "${local.registry}/examples/sample-trainer:latest"
    _ARGS    = "[]"
    _OWNER   = local.ci_email
    _INPUTS  = "[]"
    _MACHINE = ""
  })

  source_to_build {
    uri       = local.repository_uri
    ref       = "refs/heads/${var.main_branch}"
    repo_type = "GITHUB"
  }

  git_file_source {
    path      = "infra/cloudbuild/train.yaml"
    uri       = local.repository_uri
    revision  = "refs/heads/${var.main_branch}"
    repo_type = "GITHUB"
  }

  depends_on = [google_project_service.api]
}

resource "google_cloudbuild_trigger" "serve" {
  name            = "mlcp-serve"
  location        = var.region
  description     = "Manual: deploy a model version (deploy.requested on deploy-requests) and wait for the outcome."
  service_account = google_service_account.sa["ci"].id
  substitutions = merge(local.build_substitutions, {
    _SERVICE        = ""
    _MODEL          = ""
    _VERSION        = ""
    _ALIAS          = "production"
    _TARGET         = "gce"
    _IMAGE          = ""
    _CANARY_PERCENT = "10"
    _REQUESTED_BY   = local.ci_email
    _WAIT_SECONDS   = "3600"
  })

  source_to_build {
    uri       = local.repository_uri
    ref       = "refs/heads/${var.main_branch}"
    repo_type = "GITHUB"
  }

  git_file_source {
    path      = "infra/cloudbuild/serve.yaml"
    uri       = local.repository_uri
    revision  = "refs/heads/${var.main_branch}"
    repo_type = "GITHUB"
  }

  depends_on = [google_project_service.api]
}
