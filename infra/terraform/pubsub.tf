# Topics and subscriptions exactly as the code lists them (code_lists.tf.json, generated from
# dev.mlcp.events.Topics and Subscriptions and the services' declared channels).

resource "google_pubsub_topic" "topic" {
  for_each = local.topics

  name                       = each.key
  message_retention_duration = "604800s"

  depends_on = [google_project_service.api]
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = local.topics

  name                       = each.value.dead_letter
  message_retention_duration = "604800s"

  depends_on = [google_project_service.api]
}

# Pub/Sub drops what is published to a topic without subscriptions: each dead-letter topic keeps
# its messages here for inspection (gcloud pubsub subscriptions pull <topic>-dead-letter).
resource "google_pubsub_subscription" "dead_letter" {
  for_each = local.topics

  name                       = each.value.dead_letter
  topic                      = google_pubsub_topic.dead_letter[each.key].id
  ack_deadline_seconds       = local.ack_deadline_seconds
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}

# One subscription per entry of dev.mlcp.events.Subscriptions.ALL. A channel its service declares
# is pushed to POST <service URL>/pubsub/push/<channel> with an OIDC token of the push invoker
# (audience = the service URL, MLCP_PUBSUB_PUSH_AUDIENCE); a channel not declared yet is a pull
# subscription, so messages wait instead of being dead-lettered by a 404.
resource "google_pubsub_subscription" "service" {
  for_each = local.subscriptions

  name                       = each.key
  topic                      = google_pubsub_topic.topic[each.value.topic].id
  ack_deadline_seconds       = local.ack_deadline_seconds
  enable_message_ordering    = each.value.ordering
  message_retention_duration = "604800s"

  dynamic "push_config" {
    for_each = each.value.push ? [each.value] : []
    content {
      push_endpoint = "${local.service_urls[each.value.service]}${each.value.push_path}"
      oidc_token {
        service_account_email = google_service_account.sa["pubsub-push"].email
        audience              = local.service_urls[each.value.service]
      }
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.value.topic].id
    max_delivery_attempts = local.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }
}

# Cloud Build's wait step (infra/cloudbuild/serve.yaml) reads deploy events here: a pull
# subscription only the CI/CD account consumes. Events of other builds are handed back (ack
# deadline 0), stale ones dropped; an hour of retention bounds what piles up.
resource "google_pubsub_subscription" "deploy_wait" {
  name                       = "cloudbuild.deploy-events"
  topic                      = google_pubsub_topic.topic["deploy-events"].id
  ack_deadline_seconds       = 60
  message_retention_duration = "3600s"

  expiration_policy {
    ttl = ""
  }
}

locals {
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  # Subscription name (as grants name it: "subscription:<name>") => subscription name.
  subscription_names = { "cloudbuild.deploy-events" = google_pubsub_subscription.deploy_wait.name }
}

# Without these two grants dead-lettering fails silently: the Pub/Sub service agent must publish
# to each dead-letter topic and subscribe to each source subscription.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.topics

  topic  = google_pubsub_topic.dead_letter[each.key].name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.subscriptions

  subscription = google_pubsub_subscription.service[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# Projects created before April 2021 need this for push OIDC tokens; harmless on newer ones.
resource "google_service_account_iam_member" "pubsub_agent_signs_push_tokens" {
  service_account_id = google_service_account.sa["pubsub-push"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}
