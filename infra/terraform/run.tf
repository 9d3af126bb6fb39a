# The four services on Cloud Run: private (every caller needs run.routes.invoke, granted in iam.tf;
# never allUsers), scale to zero, CPU boost at start, the native image by default.

resource "google_cloud_run_v2_service" "service" {
  for_each = local.services

  name                = each.key
  location            = var.region
  description         = each.value.description
  ingress             = var.ingress
  deletion_protection = var.deletion_protection

  template {
    service_account = google_service_account.sa[each.key].email
    # Log streams (GET /v1/runs/{id}/logs?follow=true) stay open up to 55 minutes.
    timeout = "3600s"

    scaling {
      min_instance_count = 0
      max_instance_count = var.max_instances
    }

    containers {
      image = local.images[each.key]

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
        cpu_idle          = true
        startup_cpu_boost = true
      }

      dynamic "env" {
        for_each = local.env[each.key]
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = lookup(var.service_secrets, each.key, {})
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = env.value.secret
              version = env.value.version
            }
          }
        }
      }

      startup_probe {
        http_get {
          path = "/q/health/started"
        }
        period_seconds    = 2
        failure_threshold = 30
      }

      liveness_probe {
        http_get {
          path = "/q/health/live"
        }
      }
    }
  }

  # Cloud Build deploys new images (gcloud run deploy); Terraform keeps everything else.
  lifecycle {
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_secret_manager_secret_iam_member.secret_env]
}
