output "service_urls" {
  description = "URL of each Cloud Run service (also the audience of the ID tokens it accepts)."
  value       = local.service_urls
}

output "serving_url" {
  description = "URL of the serving load balancer (the URL map serving-deployer points at model revisions)."
  value       = "http://${google_compute_global_address.serving.address}/"
}

output "endpoints_service" {
  description = "Cloud Endpoints service of the serving stack."
  value       = google_endpoints_service.serving.service_name
}

output "service_accounts" {
  description = "Email of every mlcp service account, by key (README.md's identity column)."
  value       = { for k, sa in google_service_account.sa : k => sa.email }
}

output "image_registry" {
  description = "Artifact Registry path images are pushed to: <registry>/<service>:<tag>."
  value       = local.registry
}

output "buckets" {
  description = "The state, staging and artifacts buckets."
  value       = local.buckets
}

output "registry_dataset" {
  description = "BigQuery dataset of the model registry's tables."
  value       = google_bigquery_dataset.registry.dataset_id
}

output "topics" {
  description = "Every Pub/Sub topic with its dead-letter topic."
  value       = { for k, t in local.topics : k => t.dead_letter }
}

output "cloud_build_triggers" {
  description = "Cloud Build triggers: main-branch build and deploy, manual training and manual serving."
  value = {
    main  = google_cloudbuild_trigger.main.name
    train = google_cloudbuild_trigger.train.name
    serve = google_cloudbuild_trigger.serve.name
  }
}

output "console_urls" {
  description = "Where to look: Cloud Run, Cloud Build history, logs of the services and training VMs, billing reports."
  value = {
    cloud_run   = "https://console.cloud.google.com/run?project=${var.project_id}"
    cloud_build = "https://console.cloud.google.com/cloud-build/builds;region=${var.region}?project=${var.project_id}"
    logs        = "https://console.cloud.google.com/logs/query?project=${var.project_id}"
    billing     = "https://console.cloud.google.com/billing/linkedaccount?project=${var.project_id}"
  }
}
