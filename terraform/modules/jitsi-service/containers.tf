# The four docker-jitsi-meet containers of the one task. Every setting names the upstream file it
# relies on, as <path>@<tag> in github.com/jitsi/docker-jitsi-meet; checked at stable-11031 (T).
# The containers share the task's network namespace (awsvpc), so every internal address is 127.0.0.1.

locals {
  custom_domain = var.public_url != ""

  # Same values as the templates' defaults in all four images (web/rootfs/defaults/system-config.js,
  # prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua, jicofo/rootfs/defaults/jicofo.conf,
  # jvb/rootfs/defaults/jvb.conf @T), set explicitly so that the four cannot drift apart.
  xmpp_domains = {
    XMPP_DOMAIN              = "meet.jitsi"
    XMPP_AUTH_DOMAIN         = "auth.meet.jitsi"
    XMPP_GUEST_DOMAIN        = "guest.meet.jitsi"
    XMPP_INTERNAL_MUC_DOMAIN = "internal-muc.meet.jitsi"
    XMPP_MUC_DOMAIN          = "muc.meet.jitsi"
    TZ                       = "UTC" # base/rootfs/etc/cont-init.d/01-set-timezone@T
  }

  # jicofo.conf@T L22 and jvb.conf@T L11: jicofo finds bridges in this MUC, so both must agree.
  brewery = { JVB_BREWERY_MUC = "jvbbrewery" }

  # The XMPP WebSocket URL in config.js is always absolute (wss://<PUBLIC_URL host>/xmpp-websocket,
  # web/rootfs/defaults/system-config.js@T L60-66); without a domain it would say localhost:8443.
  # web and prosody must agree: prosody loads "websocket"/"smacks" only when it is on
  # (prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@T L178).
  xmpp_websocket = { ENABLE_XMPP_WEBSOCKET = local.custom_domain ? "1" : "0" }

  # Token authentication: only holders of a moderator token (minted by the start-meeting Lambda with
  # iss = aud = var.jwt_app_id, signed with JWT_APP_SECRET) may open a room and become its moderators;
  # everyone else joins as a guest, and only into a room a token holder has opened.
  # ENABLE_AUTH is read by all three (web/rootfs/defaults/system-config.js@T L3,
  # prosody/rootfs/defaults/conf.d/jitsi-meet.cfg.lua@T L5, jicofo/rootfs/defaults/jicofo.conf@T L1/L3).
  auth_enabled = { ENABLE_AUTH = "1" }
  # jitsi-meet.cfg.lua@T L10/L233 (prosody: the anonymous guest.meet.jitsi VirtualHost) and
  # system-config.js@T L36-38 (web: config.hosts.anonymousdomain, where token-less clients log in).
  # Both read it only together with ENABLE_AUTH; jicofo.conf does not read it.
  guests_enabled = { ENABLE_GUESTS = "1" }
  # jitsi-meet.cfg.lua@T L1/L36 and jicofo.conf@T L4/L5 read AUTH_TYPE unless PROSODY_AUTH_TYPE /
  # JICOFO_AUTH_TYPE override it (neither is set). web reads no AUTH_TYPE, so it gets none.
  jwt_auth_type = { AUTH_TYPE = "jwt" }

  # Soft reservations (share of task memory) and JVM heaps well below them; the images default to
  # 3 GB heaps each, which would not fit a 4 GB task.
  mem = {
    jvb     = floor(var.task_memory * 0.40)
    jicofo  = floor(var.task_memory * 0.20)
    prosody = floor(var.task_memory * 0.10)
    web     = floor(var.task_memory * 0.10)
  }

  environment = {
    # ENABLE_AUTH + ENABLE_GUESTS: system-config.js@T L35-43 writes config.hosts.anonymousdomain =
    # guest.meet.jitsi (clients without a token log in there anonymously) and config.hosts.authdomain
    # = meet.jitsi (ENABLE_AUTH_DOMAIN defaults to true); a client with ?jwt= uses meet.jitsi.
    web = merge(local.xmpp_domains, local.xmpp_websocket, local.auth_enabled, local.guests_enabled, {
      # web/rootfs/defaults/meet.conf@T L10/L113/L127: proxy_pass with variables resolves a host name
      # through NGINX_RESOLVER (DNS, never /etc/hosts); an IP literal needs no resolver at all.
      XMPP_BOSH_URL_BASE = "http://127.0.0.1:5280"
      # web/rootfs/defaults/system-config.js@T L46-58: without it config.bosh is
      # https://<PUBLIC_URL host>/http-bind, and without PUBLIC_URL https://localhost:8443/http-bind.
      BOSH_RELATIVE = "true"
      # web/rootfs/etc/cont-init.d/10-config@T L12: no Let's Encrypt; the NLB (ACM) or the image's
      # self-signed certificate serves TLS, and standalone acme.sh would need port 80.
      ENABLE_LETSENCRYPT = "0"
      # web/rootfs/defaults/default@T L8: with 1, port 80 only redirects to https. With a meeting
      # certificate, port 80 must answer the CA's challenge itself: custom-meet.conf redirects the rest.
      ENABLE_HTTP_REDIRECT = local.meeting_certificate ? "0" : "1"
      # No NGINX_RESOLVER: web/rootfs/etc/cont-init.d/10-config@T L75-95 takes the VPC resolver from
      # /etc/resolv.conf, and no upstream above needs one.
      }, local.custom_domain ? {
      # web/rootfs/defaults/system-config.js@T L8/L62: the host of config.websocket. Trial mode sets
      # none: the meeting host (the NLB's DNS name) is unknown here, so the websocket is off instead.
      PUBLIC_URL = var.public_url
      } : {}, local.meeting_certificate ? {
      # files/meeting-certificate.sh and files/custom-meet.conf, written by the entry point below.
      CERTIFICATES_PATH          = var.meeting_certificate.records_path
      MAX_MEETING_MINUTES        = tostring(var.meeting_certificate.max_meeting_minutes)
      AWS_REGION                 = data.aws_region.current.name
      MEETING_CERTIFICATE_SCRIPT = file("${path.module}/files/meeting-certificate.sh")
      CUSTOM_MEET_CONF           = file("${path.module}/files/custom-meet.conf")
    } : {})

    prosody = merge(local.xmpp_domains, local.xmpp_websocket, local.auth_enabled, local.guests_enabled, local.jwt_auth_type, {
      # jitsi-meet.cfg.lua@T L118-133: with ENABLE_AUTH and AUTH_TYPE=jwt the meet.jitsi VirtualHost
      # authenticates with "token" (JWT_AUTH_TYPE default) and app_id = JWT_APP_ID; L311-312 loads
      # token_verification (JWT_TOKEN_AUTH_MODULE default) on muc.meet.jitsi, which admits a token
      # holder only into the token's room claim. The signing key, JWT_APP_SECRET (L4/L126-128), comes
      # through `secrets` below, never here.
      JWT_APP_ID = var.jwt_app_id
      # jitsi-meet.cfg.lua@T L84-89: asap_accepted_issuers / asap_accepted_audiences. Without them
      # the issuer defaults to app_id and the audience to "*" (jitsi-meet's
      # prosody-plugins/token/util.lib.lua); pinned to the app id the Lambdas put in iss and aud.
      JWT_ACCEPTED_ISSUERS   = var.jwt_app_id
      JWT_ACCEPTED_AUDIENCES = var.jwt_app_id
      # jitsi-meet.cfg.lua@T L28/L129: allow_empty_token = false, so a client without a token cannot
      # log in to meet.jitsi and count as authenticated (jicofo would let it open rooms and make it a
      # moderator); it has to use the guest VirtualHost. Same as the default, pinned on purpose.
      JWT_ALLOW_EMPTY = "0"
      # ENABLE_LOBBY is left at its default (on, L12/L183): moderators may turn a room's lobby on.
      # No XMPP_MUC_MODULES=token_affiliation: jicofo already makes every token holder an owner.
    })

    # ENABLE_AUTH + AUTH_TYPE=jwt: jicofo.conf@T L51-63 writes authentication { enabled = true,
    # type = JWT, login-url = "meet.jitsi" }. Jicofo then counts a user as authenticated when its JID
    # is on meet.jitsi (token holders; guests are on guest.meet.jitsi), lets only authenticated users
    # create a conference (jicofo's ConferenceIqHandler.kt: "not authorized user domain"; the client
    # shows "waiting for the host") and, with an authentication authority, uses
    # AuthenticationRoleManager (jicofo's ChatRoomRoleManager.kt): every authenticated user is owner.
    # ENABLE_AUTO_OWNER (L168-170) is not set: jicofo's JitsiMeetConferenceImpl uses auto-owner only
    # without an authentication authority, so guests never become owners.
    jicofo = merge(local.xmpp_domains, local.brewery, local.auth_enabled, local.jwt_auth_type, {
      # jicofo/rootfs/defaults/jicofo.conf@T L43/L314: the XMPP server's host; the default
      # xmpp.meet.jitsi is a Docker Compose name.
      XMPP_SERVER = "127.0.0.1"
      # jicofo/rootfs/defaults/jicofo.conf@T L226-231: without it jicofo has no /about/health.
      JICOFO_ENABLE_HEALTH_CHECKS = "true"
      # jicofo/rootfs/etc/services.d/jicofo/run@T starts the package's jicofo.sh, which reads the heap size.
      JICOFO_MAX_MEMORY = "${floor(local.mem.jicofo * 0.75)}m"
    })

    jvb = merge(local.xmpp_domains, local.brewery, {
      # jvb/rootfs/defaults/jvb.conf@T L32/L70: the XMPP server's host (default xmpp.meet.jitsi).
      XMPP_SERVER = "127.0.0.1"
      # jvb/rootfs/defaults/jvb.conf@T L44: ice.udp.port, the port of the UDP target group.
      JVB_PORT = "10000"
      # jvb/rootfs/defaults/jvb.conf@T L8/L145: STUN would add the task's own public IP as a
      # candidate and let clients bypass the NLB; only JVB_ADVERTISE_IPS (the NLB's IPs) may be offered.
      JVB_DISABLE_STUN = "1"
      # jvb/rootfs/defaults/jvb.conf@T L14/L46: on by default, the task's VPC address is offered too,
      # unreachable for every participant; only the load balancer's address is.
      JVB_ADVERTISE_PRIVATE_CANDIDATES = "0"
      # jvb/rootfs/defaults/jvb.conf@T L13: defaults to $HOSTNAME, which ECS may leave unset.
      JVB_MUC_NICKNAME = "jvb"
      # No COLIBRI_REST_ENABLED: jvb.conf@T L1 opens only /colibri/*; /about/health on 8080 is on anyway.
      # jvb/rootfs/etc/services.d/jvb/run@T starts the package's jvb.sh, which reads the heap size.
      VIDEOBRIDGE_MAX_MEMORY = "${floor(local.mem.jvb * 0.75)}m"
    })
  }

  secret_arn = { for k, p in aws_ssm_parameter.secret : k => p.arn }

  meeting_certificate = var.meeting_certificate != null

  # Secrets go through `secrets` (resolved by ECS at launch), never through `environment`.
  secrets = {
    # The meeting's address, for the certificate script (the first of the advertised IPs).
    web = local.meeting_certificate ? { MEETING_ADDRESSES = aws_ssm_parameter.advertise_ips.arn } : {}
    # prosody/rootfs/etc/cont-init.d/10-config@T L68/L86: the two passwords are required ("FATAL
    # ERROR ... must be set"); prosody registers the focus and jvb users with them.
    # JWT_APP_SECRET: conf.d/jitsi-meet.cfg.lua@T L4/L126-128 writes app_secret, the HS256 key of
    # token authentication. Only prosody verifies tokens, so only prosody gets it.
    prosody = { for k in local.secret_names : k => local.secret_arn[k] }
    # jicofo/rootfs/etc/cont-init.d/10-config@T L5: required.
    jicofo = { JICOFO_AUTH_PASSWORD = local.secret_arn["JICOFO_AUTH_PASSWORD"] }
    jvb = {
      # jvb/rootfs/etc/cont-init.d/10-config@T L4: required.
      JVB_AUTH_PASSWORD = local.secret_arn["JVB_AUTH_PASSWORD"]
      # jvb/rootfs/defaults/jvb.conf@T L15/L151-169: static mappings to the NLB's public IPs, read at
      # start: the Lambdas write the parameter before they raise the desired count.
      JVB_ADVERTISE_IPS = aws_ssm_parameter.advertise_ips.arn
    }
  }

  log_options = {
    for c in ["web", "prosody", "jicofo", "jvb"] : c => {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.task.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = c
      }
    }
  }

  # curl is in every image (base/Dockerfile@T L16). prosody, jicofo and jvb: the URL of the image's own
  # <image>/rootfs/usr/local/bin/healthcheck.sh@T, with -fsS instead of --fail-with-body.
  health_command = {
    # prosody/rootfs/prosody-plugins/mod_http_health.lua@T: 200 unless a module failed; 127.0.0.1 only.
    prosody = "curl -fsS http://127.0.0.1:5280/health"
    # jicofo/rootfs/usr/local/bin/healthcheck.sh@T; needs JICOFO_ENABLE_HEALTH_CHECKS and fails
    # until a bridge has joined the brewery.
    jicofo = "curl -fsS http://127.0.0.1:8888/about/health"
    # jvb/rootfs/usr/local/bin/healthcheck.sh@T; the NLB target group checks the same endpoint.
    jvb = "curl -fsS http://127.0.0.1:8080/about/health"
    # nginx with the image's self-signed certificate (web/rootfs/defaults/default@T L15-24).
    web = "curl -fsSk https://127.0.0.1/ -o /dev/null"
  }
  health_start_period = {
    prosody = 30
    # Jicofo is healthy only once prosody is up, jvb has logged in and joined the brewery.
    jicofo = 120
    jvb    = 90
    web    = 30
  }

  # prosody/rootfs/etc/services.d/70-register-setup/run@T creates the focus and jvb users once
  # /health answers: jicofo and jvb start after prosody is HEALTHY, not merely started.
  depends_on_prosody = [{ containerName = "prosody", condition = "HEALTHY" }]

  container_base = {
    prosody = {
      portMappings = [
        { name = "xmpp-c2s", containerPort = 5222, protocol = "tcp" },
        { name = "xmpp-http", containerPort = 5280, protocol = "tcp" },
      ]
    }
    jicofo = { dependsOn = local.depends_on_prosody }
    jvb = {
      dependsOn = local.depends_on_prosody
      portMappings = [
        { name = "jvb-media", containerPort = 10000, protocol = "udp" },
        { name = "jvb-rest", containerPort = 8080, protocol = "tcp" },
      ]
    }
    web = merge({
      portMappings = concat(
        [{ name = "web-https", containerPort = 443, protocol = "tcp" }],
        local.meeting_certificate ? [{ name = "web-http", containerPort = 80, protocol = "tcp" }] : [],
      )
      }, local.meeting_certificate ? {
      # Before the image's own init (base/Dockerfile@T: ENTRYPOINT ["/init"], s6-overlay): the nginx
      # snippet must exist when cont-init's 10-config assembles meet.conf; the script runs beside.
      entryPoint = ["/bin/bash", "-c"]
      command = [join("\n", [
        "mkdir -p /config/nginx /config/acme-challenge",
        "printf '%s\\n' \"$CUSTOM_MEET_CONF\" > /config/nginx/custom-meet.conf",
        "printf '%s\\n' \"$MEETING_CERTIFICATE_SCRIPT\" > /usr/local/bin/meeting-certificate",
        "chmod 755 /usr/local/bin/meeting-certificate",
        "/usr/local/bin/meeting-certificate &",
        "exec /init",
      ])]
    } : {})
  }

  containers = [for name in ["prosody", "jicofo", "jvb", "web"] : merge(local.container_base[name], {
    name              = name
    image             = "${var.image_registry}/${name}:${var.image_tag}"
    essential         = true
    memoryReservation = local.mem[name]
    environment       = [for k in sort(keys(local.environment[name])) : { name = k, value = local.environment[name][k] }]
    secrets           = [for k in sort(keys(local.secrets[name])) : { name = k, valueFrom = local.secrets[name][k] }]
    healthCheck = {
      command     = ["CMD-SHELL", "${local.health_command[name]} || exit 1"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = local.health_start_period[name]
    }
    logConfiguration = local.log_options[name]
  })]
}
