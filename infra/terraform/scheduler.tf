# One Cloud Scheduler job per entry of dev.mlcp.events.ScheduledJobs.ALL (code_lists.tf.json):
# an HTTP call to the service with an OIDC token of the scheduler's account (audience = the service
# URL). That account is in every service's MLCP_AUTH_ADMINS, since internal endpoints need admin.

resource "google_cloud_scheduler_job" "job" {
  for_each = local.scheduled_jobs

  name             = each.key
  region           = var.region
  schedule         = each.value.cron
  time_zone        = "Etc/UTC"
  attempt_deadline = "60s"

  http_target {
    http_method = each.value.method
    uri         = "${local.service_urls[each.value.service]}${each.value.path}"

    oidc_token {
      service_account_email = google_service_account.sa[each.value.caller].email
      audience              = local.service_urls[each.value.service]
    }
  }

  retry_config {
    retry_count = 0
  }

  depends_on = [google_project_service.api]
}
