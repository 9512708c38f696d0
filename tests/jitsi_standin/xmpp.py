"""The XMPP side of the stand-in, behind POST /http-bind: a BOSH connection manager (XEP-0124 and
XEP-0206) in front of a tiny prosody (SASL ANONYMOUS, with token authentication on the main domain
when asked, resource bind, one MUC service) and a tiny jicofo: the focus component answers
conference requests (a guest may not open a room with token authentication), sits in each room as
`focus`, asks every participant for its features (disco#info) and, once two are in the room (jicofo
reference.conf conference.min-participants = 2), sends each a Jingle session-initiate whose ICE-UDP
candidates carry the advertised public address on UDP 10000, as the bridge offers it."""

import secrets
import threading
import time
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

HTTPBIND = "http://jabber.org/protocol/httpbind"
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
FOCUS_NS = "http://jitsi.org/protocol/focus"
DISCO_INFO = "http://jabber.org/protocol/disco#info"
PRIVATE_IP = "10.0.1.23"
MEDIA_PORT = 10000


def local(tag):
    return tag.rsplit("}", 1)[-1]


def namespace(element):
    return element.tag[1:].split("}")[0] if element.tag.startswith("{") else ""


class Session:
    def __init__(self, sid, domain, token):
        self.sid, self.domain, self.token = sid, domain, token
        self.jid = None
        self.claims = None  # a verified token's claims
        self.may_open_rooms = False
        self.queue = []
        self.latest_rid = None
        self.alive = True
        self.rooms = {}  # room JID -> nick
        self.pending_disco = {}  # disco IQ id -> (room JID, nick)


class Room:
    def __init__(self, jid):
        self.jid = jid
        self.opened = False
        self.started = False
        self.occupants = {}  # nick -> Session
        self.discovered = set()  # nicks that answered the focus's disco#info


class XmppServer:
    def __init__(self, settings):
        self.settings = settings
        self.sessions = {}
        self.rooms = {}
        self.cond = threading.Condition()

    # --- BOSH -------------------------------------------------------------------------------

    def handle(self, body_bytes, query):
        """One BOSH request: (HTTP status, body)."""
        try:
            body = ET.fromstring(body_bytes)
        except ET.ParseError as error:
            return 400, f"not XML: {error}"
        if local(body.tag) != "body":
            return 400, "not a BOSH body"
        with self.cond:
            sid = body.get("sid")
            if sid is None:
                return 200, self.create(body, query)
            session = self.sessions.get(sid)
            if session is None:
                return 200, terminate("item-not-found")
            if body.get("{urn:xmpp:xbosh}restart") == "true":
                session.queue.append(
                    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                    "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>")
            for stanza in body:
                self.process(session, stanza)
            if body.get("type") == "terminate":
                self.end(session)
                self.cond.notify_all()
                return 200, wrap([])
            rid = body.get("rid")
            session.latest_rid = rid
            self.cond.notify_all()
            # Hold the request until there is something to say, a newer request comes, or `wait`.
            deadline = time.monotonic() + min(float(body.get("wait") or 10), 30)
            while not session.queue and session.alive and session.latest_rid == rid:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.cond.wait(remaining)
            out, session.queue = session.queue, []
            return 200, wrap(out)

    def create(self, body, query):
        if self.settings.variant == "bosh-terminate":
            return terminate("remote-connection-failed")
        domain = body.get("to")
        if domain not in (self.settings.domain, self.settings.guest_domain):
            return terminate("host-unknown")
        session = Session(secrets.token_hex(8), domain, query.get("token"))
        self.sessions[session.sid] = session
        features = (f"<stream:features><mechanisms xmlns='{SASL}'><mechanism>ANONYMOUS</mechanism></mechanisms>"
                    "</stream:features>")
        wait = min(int(body.get("wait") or 10), 30)
        return (f"<body xmlns='{HTTPBIND}' xmlns:stream='http://etherx.jabber.org/streams' xmlns:xmpp='urn:xmpp:xbosh'"
                f" sid='{session.sid}' authid='{session.sid}' wait='{wait}' requests='2' hold='1' ver='1.6'"
                f" from={quoteattr(domain)} secure='true' xmpp:version='1.0'>{features}</body>")

    def end(self, session):
        for room_jid, nick in list(session.rooms.items()):
            self.leave(session, room_jid, nick)
        session.alive = False
        self.sessions.pop(session.sid, None)

    # --- prosody ----------------------------------------------------------------------------

    def process(self, session, stanza):
        name = local(stanza.tag)
        if name == "auth":
            self.auth(session, stanza)
        elif name == "iq":
            self.iq(session, stanza)
        elif name == "presence":
            self.presence(session, stanza)

    def auth(self, session, stanza):
        if stanza.get("mechanism") != "ANONYMOUS":
            session.queue.append(f"<failure xmlns='{SASL}'><invalid-mechanism/></failure>")
            return
        if self.settings.token_auth and session.domain == self.settings.domain:
            # The main domain authenticates with the token the client put on the BOSH URL.
            try:
                session.claims = self.settings.verify_token(session.token or "")
            except Exception as error:  # noqa: BLE001 (any reason is a refusal)
                session.queue.append(f"<failure xmlns='{SASL}'><not-allowed/><text>{escape(str(error))}</text></failure>")
                return
        # jicofo lets authenticated users open rooms (login-url = the main domain); without token
        # authentication everyone may.
        session.may_open_rooms = not self.settings.token_auth or session.domain == self.settings.domain
        session.queue.append(f"<success xmlns='{SASL}'/>")

    def iq(self, session, stanza):
        kind, iq_id = stanza.get("type"), stanza.get("id", "")
        child = next(iter(stanza), None)
        if kind in ("result", "error"):
            spot = session.pending_disco.pop(iq_id, None)
            if spot is not None and kind == "result":
                self.discovered(*spot)
            return
        if child is None:
            return
        what = (namespace(child), local(child.tag))
        if what == ("urn:ietf:params:xml:ns:xmpp-bind", "bind"):
            session.jid = f"{secrets.token_hex(6)}@{session.domain}/{secrets.token_hex(4)}"
            session.queue.append(result(iq_id, f"<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{session.jid}</jid></bind>"))
        elif what == ("urn:ietf:params:xml:ns:xmpp-session", "session") or local(child.tag) == "ping":
            session.queue.append(result(iq_id))
        elif what == (FOCUS_NS, "conference") and stanza.get("to") == self.settings.focus:
            self.conference_request(session, iq_id, child.get("room", ""))
        else:
            session.queue.append(error(iq_id, "cancel", "service-unavailable", stanza.get("to")))

    # --- jicofo -----------------------------------------------------------------------------

    def conference_request(self, session, iq_id, room_jid):
        room = self.rooms.setdefault(room_jid, Room(room_jid))
        if not room.opened:
            if not (session.may_open_rooms or self.settings.variant == "guest-opens-room"):
                # ConferenceIqHandler: "not authorized user domain" (the page: waiting for the host).
                session.queue.append(error(iq_id, "cancel", "not-authorized", self.settings.focus))
                return
            room.opened = True
        session.queue.append(
            f"<iq type='result' id={quoteattr(iq_id)} from={quoteattr(self.settings.focus)} xmlns='jabber:client'>"
            f"<conference xmlns='{FOCUS_NS}' ready='true' room={quoteattr(room_jid)} focusjid='focus@auth.meet.jitsi'/></iq>")

    def presence(self, session, stanza):
        room_jid, _, nick = (stanza.get("to") or "").partition("/")
        if not room_jid.endswith("@" + self.settings.muc) or not nick:
            return
        if stanza.get("type") == "unavailable":
            self.leave(session, room_jid, nick)
            return
        room = self.rooms.get(room_jid)
        if room is None or not room.opened:
            session.queue.append(presence_error(room_jid, nick, "not-allowed"))  # only jicofo creates rooms
            return
        claimed = (session.claims or {}).get("room")
        if claimed and claimed != "*" and claimed.lower() != room_jid.split("@")[0]:
            session.queue.append(presence_error(room_jid, nick, "not-allowed"))  # token_verification
            return
        for other_nick, other in room.occupants.items():
            session.queue.append(occupant_presence(room_jid, other_nick, "participant"))
            other.queue.append(occupant_presence(room_jid, nick, "participant"))
        session.queue.append(occupant_presence(room_jid, "focus", "moderator"))
        session.queue.append(occupant_presence(room_jid, nick, "participant", self_presence=True))
        room.occupants[nick] = session
        session.rooms[room_jid] = nick
        disco_id = "disco-" + secrets.token_hex(4)
        session.pending_disco[disco_id] = (room_jid, nick)
        session.queue.append(
            f"<iq type='get' id='{disco_id}' from={quoteattr(room_jid + '/focus')} to={quoteattr(session.jid or '')}"
            f" xmlns='jabber:client'><query xmlns='{DISCO_INFO}'/></iq>")

    def discovered(self, room_jid, nick):
        room = self.rooms.get(room_jid)
        if room is None or nick not in room.occupants:
            return
        room.discovered.add(nick)
        if room.started:
            self.invite(room, nick)
        elif len(room.discovered) >= 2:
            room.started = True
            for each in sorted(room.discovered):
                self.invite(room, each)

    def invite(self, room, nick):
        session = room.occupants[nick]
        session.queue.append(session_initiate(room.jid, session.jid, self.settings.candidate_ips()))

    def leave(self, session, room_jid, nick):
        session.rooms.pop(room_jid, None)
        room = self.rooms.get(room_jid)
        if room is None or room.occupants.get(nick) is not session:
            return
        del room.occupants[nick]
        room.discovered.discard(nick)
        for other in room.occupants.values():
            other.queue.append(f"<presence type='unavailable' from={quoteattr(room_jid + '/' + nick)} xmlns='jabber:client'/>")
        if not room.occupants:
            del self.rooms[room_jid]  # jicofo ends the conference


def wrap(stanzas):
    return f"<body xmlns='{HTTPBIND}' xmlns:stream='http://etherx.jabber.org/streams'>{''.join(stanzas)}</body>"


def terminate(condition):
    return f"<body type='terminate' condition='{condition}' xmlns='{HTTPBIND}'/>"


def result(iq_id, payload=""):
    return f"<iq type='result' id={quoteattr(iq_id)} xmlns='jabber:client'>{payload}</iq>"


def error(iq_id, kind, condition, sender=None):
    origin = f" from={quoteattr(sender)}" if sender else ""
    return (f"<iq type='error' id={quoteattr(iq_id)}{origin} xmlns='jabber:client'><error type='{kind}'>"
            f"<{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>")


def presence_error(room_jid, nick, condition):
    return (f"<presence type='error' from={quoteattr(room_jid + '/' + nick)} xmlns='jabber:client'><error type='cancel'>"
            f"<{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>")


def occupant_presence(room_jid, nick, role, self_presence=False):
    status = "<status code='110'/>" if self_presence else ""
    affiliation = "owner" if role == "moderator" else "none"
    return (f"<presence from={quoteattr(room_jid + '/' + nick)} xmlns='jabber:client'>"
            f"<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='{affiliation}' role='{role}'/>{status}</x>"
            "</presence>")


def session_initiate(room_jid, to, public_ips):
    candidates = (f"<candidate component='1' foundation='1' generation='0' id='c0' ip='{PRIVATE_IP}' network='0'"
                  f" port='{MEDIA_PORT}' priority='2130706431' protocol='udp' type='host'/>")
    for n, ip in enumerate(public_ips, start=1):
        candidates += (f"<candidate component='1' foundation='{n + 1}' generation='0' id='c{n}' ip={quoteattr(ip)}"
                       f" network='0' port='{MEDIA_PORT}' priority='1694498815' protocol='udp' rel-addr='{PRIVATE_IP}'"
                       f" rel-port='{MEDIA_PORT}' type='srflx'/>")
    transport = (f"<transport xmlns='urn:xmpp:jingle:transports:ice-udp:1' ufrag='{secrets.token_hex(3)}'"
                 f" pwd='{secrets.token_hex(12)}'><fingerprint xmlns='urn:xmpp:jingle:apps:dtls:0' hash='sha-256'"
                 f" setup='actpass'>AB:CD:EF</fingerprint>{candidates}</transport>")
    contents = "".join(
        f"<content creator='initiator' name='{media}' senders='both'><description xmlns='urn:xmpp:jingle:apps:rtp:1'"
        f" media='{media}'/>{transport}</content>" for media in ("audio", "video"))
    return (f"<iq type='set' id='jingle-{secrets.token_hex(4)}' from={quoteattr(room_jid + '/focus')}"
            f" to={quoteattr(to or '')} xmlns='jabber:client'><jingle xmlns='urn:xmpp:jingle:1' action='session-initiate'"
            f" initiator='focus@auth.meet.jitsi/focus' sid='{secrets.token_hex(6)}'>{contents}"
            "<group xmlns='urn:xmpp:jingle:apps:grouping:0' semantics='BUNDLE'><content name='audio'/>"
            "<content name='video'/></group></jingle></iq>")
