# The passively deployed part of the serving stack (seed 004): created once, here. serving-deployer
# creates and deletes the actively deployed part per revision (instance templates, MIGs,
# autoscalers, health checks, backend services), repoints the URL map and rolls out new Endpoints
# configs. Until a revision exists the URL map's default backend has no backends (HTTP 503).

resource "google_compute_health_check" "serving_default" {
  name = "mlcp-serving-default"

  http_health_check {
    port         = 8080
    request_path = "/healthz"
  }

  depends_on = [google_project_service.api]
}

resource "google_compute_backend_service" "serving_default" {
  name                  = "mlcp-serving-default"
  protocol              = "HTTP"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  health_checks         = [google_compute_health_check.serving_default.id]
}

resource "google_compute_url_map" "serving" {
  name            = "mlcp-serving"
  default_service = google_compute_backend_service.serving_default.id

  # Dynamic: serving-deployer updates the weights (with the map's fingerprint).
  lifecycle {
    ignore_changes = [default_service, host_rule, path_matcher, default_route_action]
  }
}

resource "google_compute_target_http_proxy" "serving" {
  name    = "mlcp-serving"
  url_map = google_compute_url_map.serving.id
}

resource "google_compute_global_address" "serving" {
  name = "mlcp-serving"

  depends_on = [google_project_service.api]
}

resource "google_compute_global_forwarding_rule" "serving" {
  name                  = "mlcp-serving"
  target                = google_compute_target_http_proxy.serving.id
  ip_address            = google_compute_global_address.serving.id
  port_range            = "80"
  load_balancing_scheme = "EXTERNAL_MANAGED"
}

resource "google_endpoints_service" "serving" {
  service_name = local.endpoints
  openapi_config = templatefile("${path.module}/endpoints/openapi.yaml", {
    host    = local.endpoints
    address = google_compute_global_address.serving.address
  })

  # Dynamic: serving-deployer rolls out each model's OpenAPI config.
  lifecycle {
    ignore_changes = [openapi_config]
  }
}

# Seed 004's "Enable Cloud Endpoints services": the service is enabled in this project once.
resource "google_project_service" "endpoints" {
  project            = var.project_id
  service            = google_endpoints_service.serving.service_name
  disable_on_destroy = false
}
