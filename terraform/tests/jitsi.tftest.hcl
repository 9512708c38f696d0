# The Jitsi environment check: what the four docker-jitsi-meet containers get, in trial mode and with
# a custom domain, read from module.jitsi.container_settings (no secret values in it). Each assertion
# names the upstream file (github.com/jitsi/docker-jitsi-meet at stable-11031) whose behaviour it encodes.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  lambda_dist_dir   = "tests/fixtures/lambda"
  start_secret_hash = "0000000000000000000000000000000000000000000000000000000000000000"
}

run "jitsi_environment_trial" {
  assert {
    condition = (
      toset(keys(module.jitsi.container_settings)) == toset(["web", "prosody", "jicofo", "jvb"]) &&
      alltrue([for n, c in module.jitsi.container_settings : c.image == "jitsi/${n}:stable-11031"])
    )
    error_message = "docker-compose.yml@stable-11031: all four images pinned to stable-11031 on Docker Hub (jitsi/*), the last tag that runs as root with web on 80/443; stable-11146 moved to ghcr.io, rootless, ports 8000/8443."
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.web.environment, "XMPP_BOSH_URL_BASE", "") == "http://127.0.0.1:5280"
    error_message = "web/rootfs/defaults/meet.conf@stable-11031: proxy_pass with variables resolves a host name through NGINX_RESOLVER, never /etc/hosts: XMPP_BOSH_URL_BASE must be the IP literal http://127.0.0.1:5280."
  }

  assert {
    condition     = alltrue([for c in values(module.jitsi.container_settings) : !contains(keys(c.environment), "NGINX_RESOLVER")])
    error_message = "web/rootfs/etc/cont-init.d/10-config@stable-11031: NGINX_RESOLVER is taken from /etc/resolv.conf when unset, and an IP-literal upstream needs none: do not set it."
  }

  assert {
    condition = (
      lookup(module.jitsi.container_settings.jicofo.environment, "XMPP_SERVER", "") == "127.0.0.1" &&
      lookup(module.jitsi.container_settings.jvb.environment, "XMPP_SERVER", "") == "127.0.0.1"
    )
    error_message = "jicofo/rootfs/defaults/jicofo.conf and jvb/rootfs/defaults/jvb.conf@stable-11031: XMPP_SERVER defaults to the Docker Compose name xmpp.meet.jitsi; in one task prosody is at 127.0.0.1."
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.web.environment, "BOSH_RELATIVE", "") == "true"
    error_message = "web/rootfs/defaults/system-config.js@stable-11031: without PUBLIC_URL, BOSH must be relative (otherwise config.bosh is https://localhost:8443/http-bind)."
  }

  assert {
    condition = (
      lookup(module.jitsi.container_settings.web.environment, "ENABLE_XMPP_WEBSOCKET", "") == "0" &&
      alltrue([for c in values(module.jitsi.container_settings) : !contains(keys(c.environment), "PUBLIC_URL")])
    )
    error_message = "web/rootfs/defaults/system-config.js@stable-11031: the XMPP WebSocket URL is always absolute (wss://<PUBLIC_URL host>); trial mode has no host name to give, so no PUBLIC_URL and ENABLE_XMPP_WEBSOCKET=0."
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.prosody.environment, "ENABLE_XMPP_WEBSOCKET", "") == lookup(module.jitsi.container_settings.web.environment, "ENABLE_XMPP_WEBSOCKET", "")
    error_message = "prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: prosody loads the websocket module only with ENABLE_XMPP_WEBSOCKET; it must match web's."
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.jvb.environment, "JVB_DISABLE_STUN", "") == "1"
    error_message = "jvb/rootfs/defaults/jvb.conf@stable-11031: STUN (on unless JVB_DISABLE_STUN) would advertise the task's own public IP and let clients bypass the NLB."
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.jvb.environment, "JVB_ADVERTISE_PRIVATE_CANDIDATES", "") == "0"
    error_message = "jvb/rootfs/defaults/jvb.conf@stable-11031 L14/L46: private candidates are advertised unless JVB_ADVERTISE_PRIVATE_CANDIDATES is false; the task's VPC address reaches no participant."
  }

  assert {
    condition     = !contains(keys(module.jitsi.container_settings.jvb.environment), "COLIBRI_REST_ENABLED")
    error_message = "jvb/rootfs/defaults/jvb.conf@stable-11031: COLIBRI_REST_ENABLED only opens /colibri/*; /about/health on 8080 is on without it, so do not set it."
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.jvb.environment, "JVB_MUC_NICKNAME", "") == "jvb"
    error_message = "jvb/rootfs/defaults/jvb.conf@stable-11031: JVB_MUC_NICKNAME defaults to $HOSTNAME, which may be unset on ECS; set it to jvb."
  }

  assert {
    condition = (
      lookup(module.jitsi.container_settings.jvb.environment, "JVB_PORT", "") == tostring(aws_lb_target_group.jvb.port) &&
      lookup(module.jitsi.container_settings.jicofo.environment, "JVB_BREWERY_MUC", "") == lookup(module.jitsi.container_settings.jvb.environment, "JVB_BREWERY_MUC", "")
    )
    error_message = "jvb/rootfs/defaults/jvb.conf and jicofo/rootfs/defaults/jicofo.conf@stable-11031: JVB_PORT must be the UDP target group's port, JVB_BREWERY_MUC the same on jicofo and jvb."
  }

  assert {
    condition = (
      join(",", module.jitsi.container_settings.prosody.secret_names) == "JICOFO_AUTH_PASSWORD,JVB_AUTH_PASSWORD,JWT_APP_SECRET" &&
      join(",", module.jitsi.container_settings.jicofo.secret_names) == "JICOFO_AUTH_PASSWORD" &&
      join(",", module.jitsi.container_settings.jvb.secret_names) == "JVB_ADVERTISE_IPS,JVB_AUTH_PASSWORD" &&
      join(",", module.jitsi.container_settings.web.secret_names) == "MEETING_ADDRESSES"
    )
    error_message = "prosody, jicofo, jvb rootfs/etc/cont-init.d/10-config@stable-11031: only the two auth passwords (and JVB_ADVERTISE_IPS, and prosody's JWT_APP_SECRET) are read; the component secrets are unused and JIGASI_XMPP_PASSWORD makes prosody create a jigasi admin (conf.d/jitsi-meet.cfg.lua)."
  }

  assert {
    condition = (
      toset(keys(module.jitsi.secret_parameter_names)) == toset(["JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD", "JWT_APP_SECRET"]) &&
      alltrue([for c in values(module.jitsi.container_settings) : length(setintersection(toset(keys(c.environment)), toset([
        "JICOFO_COMPONENT_SECRET", "JVB_COMPONENT_SECRET", "JIGASI_XMPP_PASSWORD", "JICOFO_AUTH_PASSWORD", "JVB_AUTH_PASSWORD", "JVB_ADVERTISE_IPS", "JWT_APP_SECRET",
      ]))) == 0])
    )
    error_message = "prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: no parameter for the unused component secrets or the jigasi password, and no secret in a plain environment."
  }

  assert {
    condition     = module.jitsi.container_settings.prosody.health_check == "curl -fsS http://127.0.0.1:5280/health"
    error_message = "prosody/rootfs/usr/local/bin/healthcheck.sh@stable-11031: prosody is healthy when /health on 127.0.0.1:5280 answers (mod_http_health); curl is in the image."
  }

  assert {
    condition = (
      module.jitsi.container_settings.jicofo.health_check == "curl -fsS http://127.0.0.1:8888/about/health" &&
      lookup(module.jitsi.container_settings.jicofo.environment, "JICOFO_ENABLE_HEALTH_CHECKS", "") == "true" &&
      module.jitsi.container_settings.jicofo.start_period >= 90
    )
    error_message = "jicofo/rootfs/defaults/jicofo.conf@stable-11031: /about/health on 8888 exists only with JICOFO_ENABLE_HEALTH_CHECKS=true and fails until the bridge joined: start period at least 90 s."
  }

  assert {
    condition     = module.jitsi.container_settings.jvb.health_check == "curl -fsS http://127.0.0.1:8080/about/health"
    error_message = "jvb/rootfs/usr/local/bin/healthcheck.sh@stable-11031: jvb is healthy when /about/health on 8080 answers 200."
  }

  assert {
    condition     = module.jitsi.container_settings.web.health_check == "curl -fsSk https://127.0.0.1/ -o /dev/null"
    error_message = "web/rootfs/defaults/default@stable-11031: nginx serves TLS on 443 with the image's self-signed certificate: check https://127.0.0.1/ with -k."
  }

  assert {
    condition = (
      module.jitsi.container_settings.jicofo.depends_on == { prosody = "HEALTHY" } &&
      module.jitsi.container_settings.jvb.depends_on == { prosody = "HEALTHY" }
    )
    error_message = "prosody/rootfs/etc/services.d/70-register-setup/run@stable-11031: the focus and jvb users exist only once prosody's /health answers: jicofo and jvb wait for prosody HEALTHY."
  }
}

# Without a domain the web container answers the ACME http-01 challenge on port 80 and installs the
# certificate the functions order (shared/src/certificate; files/meeting-certificate.sh).
run "meeting_certificate_without_a_domain" {
  assert {
    condition = (
      module.jitsi.container_settings.web.environment.ENABLE_HTTP_REDIRECT == "0" &&
      module.jitsi.container_settings.web.environment.MEETING_CERTIFICATE_SCRIPT == file("modules/jitsi-service/files/meeting-certificate.sh") &&
      module.jitsi.container_settings.web.environment.CUSTOM_MEET_CONF == file("modules/jitsi-service/files/custom-meet.conf") &&
      module.jitsi.container_settings.web.environment.CERTIFICATES_PATH == "/${var.name}/certificates"
    )
    error_message = "web/rootfs/defaults/default@stable-11031: with ENABLE_HTTP_REDIRECT=1 port 80 only redirects, and Let's Encrypt follows no redirect to an IP address: port 80 must include meet.conf (and custom-meet.conf's challenge location and redirect)."
  }

  assert {
    condition = (
      join(" ", module.jitsi.container_settings.web.entry_point) == "/bin/bash -c" &&
      contains(module.jitsi.container_settings.web.ports, 80) && contains(module.jitsi.container_settings.web.ports, 443)
    )
    error_message = "base/Dockerfile@stable-11031 (ENTRYPOINT [\"/init\"]) and web/rootfs/etc/cont-init.d/10-config (appends /config/nginx/custom-meet.conf to meet.conf): the snippet is written before /init runs, and the container exposes port 80."
  }
}

run "jitsi_environment_custom_domain" {
  variables {
    hosted_zone_id   = "Z0123456789ABCDEFGHIJ"
    meeting_hostname = "meet.example.com"
  }

  override_resource {
    target = aws_acm_certificate.meeting[0]
    values = {
      arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-1111-1111-1111-111111111111"
      domain_validation_options = [{
        domain_name           = "meet.example.com"
        resource_record_name  = "_x1.meet.example.com."
        resource_record_type  = "CNAME"
        resource_record_value = "_x2.acm-validations.aws."
      }]
    }
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.web.environment, "PUBLIC_URL", "") == "https://meet.example.com"
    error_message = "web/rootfs/defaults/system-config.js@stable-11031: with a domain, PUBLIC_URL=https://<meeting_hostname> gives config.websocket its host."
  }

  assert {
    condition = (
      lookup(module.jitsi.container_settings.web.environment, "ENABLE_XMPP_WEBSOCKET", "") == "1" &&
      lookup(module.jitsi.container_settings.prosody.environment, "ENABLE_XMPP_WEBSOCKET", "") == "1"
    )
    error_message = "web/rootfs/defaults/system-config.js and prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: with a domain the XMPP WebSocket is on in web and prosody alike."
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.web.environment, "BOSH_RELATIVE", "") == "true" && lookup(module.jitsi.container_settings.web.environment, "XMPP_BOSH_URL_BASE", "") == "http://127.0.0.1:5280"
    error_message = "web/rootfs/defaults/system-config.js and meet.conf@stable-11031: BOSH stays same-origin and proxied to 127.0.0.1 in both modes."
  }

  assert {
    condition     = alltrue([for n, c in module.jitsi.container_settings : !contains(keys(c.environment), "PUBLIC_URL") if n != "web"])
    error_message = "jvb/rootfs/defaults/jvb.conf and prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: PUBLIC_URL only feeds features that are off there (colibri websockets, JaaS components): set it on web only."
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.jvb.environment, "JVB_DISABLE_STUN", "") == "1" && !contains(keys(module.jitsi.container_settings.jvb.environment), "COLIBRI_REST_ENABLED")
    error_message = "jvb/rootfs/defaults/jvb.conf@stable-11031: STUN off and no colibri REST API in custom-domain mode too."
  }
}

# --- Token authentication: only the key holder opens rooms ----------------------------------------
# The same settings in both modes. The start-meeting Lambda mints tokens with iss = aud = JWT_APP_ID,
# signed with the key in JWT_SECRET_PARAMETER (tests/main.tftest.hcl checks its side).

run "token_auth_trial" {
  assert {
    condition = (
      lookup(module.jitsi.container_settings.prosody.environment, "ENABLE_AUTH", "") == "1" &&
      lookup(module.jitsi.container_settings.prosody.environment, "AUTH_TYPE", "") == "jwt" &&
      !contains(keys(module.jitsi.container_settings.prosody.environment), "PROSODY_AUTH_TYPE")
    )
    error_message = "prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: token authentication on meet.jitsi needs ENABLE_AUTH=1 and AUTH_TYPE=jwt (read unless PROSODY_AUTH_TYPE overrides it: do not set that)."
  }

  assert {
    condition = (
      can(regex("^jitsi-on-demand-[0-9a-f]{12}$", local.jwt_app_id)) &&
      lookup(module.jitsi.container_settings.prosody.environment, "JWT_APP_ID", "") == local.jwt_app_id &&
      lookup(module.jitsi.container_settings.prosody.environment, "JWT_ACCEPTED_ISSUERS", "") == local.jwt_app_id &&
      lookup(module.jitsi.container_settings.prosody.environment, "JWT_ACCEPTED_AUDIENCES", "") == local.jwt_app_id &&
      lookup(local.lambda_environment, "JWT_APP_ID", "") == local.jwt_app_id
    )
    error_message = "prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: app_id (JWT_APP_ID), asap_accepted_issuers and asap_accepted_audiences must all be this deployment's app id <name>-<12 hex>, the iss and aud the Lambdas put in their tokens (JWT_APP_ID in their environment)."
  }

  assert {
    condition     = lookup(module.jitsi.container_settings.prosody.environment, "JWT_ALLOW_EMPTY", "") == "0"
    error_message = "prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: allow_empty_token must be false (JWT_ALLOW_EMPTY=0), or a client without a token logs in to meet.jitsi, counts as authenticated and may open rooms as a moderator."
  }

  assert {
    condition = (
      lookup(module.jitsi.container_settings.prosody.environment, "ENABLE_GUESTS", "") == "1" &&
      lookup(module.jitsi.container_settings.web.environment, "ENABLE_GUESTS", "") == "1" &&
      lookup(module.jitsi.container_settings.web.environment, "ENABLE_AUTH", "") == "1" &&
      !contains(keys(module.jitsi.container_settings.web.environment), "ENABLE_AUTH_DOMAIN")
    )
    error_message = "web/rootfs/defaults/system-config.js and prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: ENABLE_AUTH=1 and ENABLE_GUESTS=1 on web (config.hosts.anonymousdomain = guest.meet.jitsi, authdomain meet.jitsi) and ENABLE_GUESTS=1 on prosody (the anonymous guest VirtualHost), or people without a token cannot join at all."
  }

  assert {
    condition = (
      lookup(module.jitsi.container_settings.jicofo.environment, "ENABLE_AUTH", "") == "1" &&
      lookup(module.jitsi.container_settings.jicofo.environment, "AUTH_TYPE", "") == "jwt" &&
      length(setintersection(toset(keys(module.jitsi.container_settings.jicofo.environment)), toset([
        "JICOFO_ENABLE_AUTH", "JICOFO_AUTH_TYPE", "ENABLE_AUTO_OWNER",
      ]))) == 0
    )
    error_message = "jicofo/rootfs/defaults/jicofo.conf@stable-11031: authentication { type = JWT, login-url = meet.jitsi } needs ENABLE_AUTH=1 and AUTH_TYPE=jwt (no JICOFO_* overrides): only token holders create rooms and become owners; ENABLE_AUTO_OWNER would not matter with an authentication authority, so leave it unset."
  }

  assert {
    condition = (
      contains(module.jitsi.container_settings.prosody.secret_names, "JWT_APP_SECRET") &&
      alltrue([for n, c in module.jitsi.container_settings : !contains(c.secret_names, "JWT_APP_SECRET") if n != "prosody"]) &&
      alltrue([for c in values(module.jitsi.container_settings) : !anytrue([for k in keys(c.environment) : strcontains(k, "SECRET")])]) &&
      module.jitsi.secret_parameter_names["JWT_APP_SECRET"] == "/jitsi-on-demand/jitsi/JWT_APP_SECRET"
    )
    error_message = "prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: JWT_APP_SECRET (app_secret, the HS256 key) comes from /<name>/jitsi/JWT_APP_SECRET through prosody's `secrets` only: no other container gets it, and no container has it (or any *SECRET*) in `environment`."
  }

  assert {
    condition     = alltrue([for n in ["web", "jicofo", "jvb"] : !anytrue([for k in keys(module.jitsi.container_settings[n].environment) : startswith(k, "JWT_")])])
    error_message = "web/rootfs/defaults/system-config.js, jicofo/rootfs/defaults/jicofo.conf, jvb/rootfs/defaults/jvb.conf@stable-11031: only prosody reads JWT_* settings; web, jicofo and jvb get none."
  }
}

run "token_auth_custom_domain" {
  variables {
    hosted_zone_id   = "Z0123456789ABCDEFGHIJ"
    meeting_hostname = "meet.example.com"
  }

  override_resource {
    target = aws_acm_certificate.meeting[0]
    values = {
      arn = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-1111-1111-1111-111111111111"
      domain_validation_options = [{
        domain_name           = "meet.example.com"
        resource_record_name  = "_x1.meet.example.com."
        resource_record_type  = "CNAME"
        resource_record_value = "_x2.acm-validations.aws."
      }]
    }
  }

  assert {
    condition = (
      lookup(module.jitsi.container_settings.prosody.environment, "ENABLE_AUTH", "") == "1" &&
      lookup(module.jitsi.container_settings.prosody.environment, "AUTH_TYPE", "") == "jwt" &&
      lookup(module.jitsi.container_settings.prosody.environment, "JWT_ALLOW_EMPTY", "") == "0" &&
      lookup(module.jitsi.container_settings.prosody.environment, "ENABLE_GUESTS", "") == "1"
    )
    error_message = "prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: with a domain too, prosody runs token authentication (ENABLE_AUTH=1, AUTH_TYPE=jwt, JWT_ALLOW_EMPTY=0) with the guest VirtualHost (ENABLE_GUESTS=1)."
  }

  assert {
    condition = (
      lookup(module.jitsi.container_settings.prosody.environment, "JWT_APP_ID", "") == local.jwt_app_id &&
      lookup(module.jitsi.container_settings.prosody.environment, "JWT_ACCEPTED_ISSUERS", "") == local.jwt_app_id &&
      lookup(module.jitsi.container_settings.prosody.environment, "JWT_ACCEPTED_AUDIENCES", "") == local.jwt_app_id &&
      lookup(local.lambda_environment, "JWT_APP_ID", "") == local.jwt_app_id
    )
    error_message = "prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: with a domain too, app id, accepted issuers and audiences are the app id the Lambdas sign with."
  }

  assert {
    condition = (
      lookup(module.jitsi.container_settings.web.environment, "ENABLE_AUTH", "") == "1" &&
      lookup(module.jitsi.container_settings.web.environment, "ENABLE_GUESTS", "") == "1" &&
      lookup(module.jitsi.container_settings.jicofo.environment, "ENABLE_AUTH", "") == "1" &&
      lookup(module.jitsi.container_settings.jicofo.environment, "AUTH_TYPE", "") == "jwt"
    )
    error_message = "web/rootfs/defaults/system-config.js and jicofo/rootfs/defaults/jicofo.conf@stable-11031: with a domain too, web offers the guest domain (ENABLE_AUTH, ENABLE_GUESTS) and jicofo runs JWT authentication (ENABLE_AUTH, AUTH_TYPE=jwt)."
  }

  assert {
    condition = (
      join(",", module.jitsi.container_settings.prosody.secret_names) == "JICOFO_AUTH_PASSWORD,JVB_AUTH_PASSWORD,JWT_APP_SECRET" &&
      alltrue([for n, c in module.jitsi.container_settings : !contains(c.secret_names, "JWT_APP_SECRET") if n != "prosody"]) &&
      alltrue([for c in values(module.jitsi.container_settings) : !contains(keys(c.environment), "JWT_APP_SECRET")])
    )
    error_message = "prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@stable-11031: with a domain too, JWT_APP_SECRET reaches prosody only, through `secrets`, never `environment`."
  }
}
