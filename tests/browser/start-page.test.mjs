// The start page in headless Debian Chromium, against the local stack that `make demo` serves
// (scripts/demo.sh runs this with DEMO_BROWSER=1 while the demo driver plays AWS). Every request the
// page makes must stay on loopback; the meeting URL the page joins is answered here, never fetched.
//
// env (from scripts/demo.sh): LAMBDA_PORT, LOCAL_AWS_PORT, START_SECRET, CLUSTER_NAME, SERVICE_NAME,
// LOAD_BALANCER_NAME, STACK_TAG; SCREENSHOT_DIR (default target/screenshots).

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const setting = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run this test with \`make test-browser\``);
  return value;
};

const LAMBDA_ORIGIN = `http://127.0.0.1:${setting("LAMBDA_PORT")}`;
const START_PAGE = `${LAMBDA_ORIGIN}/lambda-url/start-meeting/`;
const STATUS_URL = `${START_PAGE}status`;
const STOP_URL = `${LAMBDA_ORIGIN}/lambda-url/stop-meeting/stop`;
const LOCAL_AWS = `http://127.0.0.1:${setting("LOCAL_AWS_PORT")}/`;
const SECRET = setting("START_SECRET");
const SCREENSHOTS = process.env.SCREENSHOT_DIR || fileURLToPath(new URL("../../target/screenshots/", import.meta.url));
const ROOM = "team-sync";
// AWS's delays are divided by DEMO_SPEED (15 in browser mode): a start takes seconds, a stop a few more.
const PHASE_TIMEOUT_MS = 90_000;

const LAUNCH_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

let browser;
/** The desktop-sized context most tests use. */
let desktop;
/** Requests the page tried to send off loopback, other than joining the meeting. */
const escaped = [];
/** Every request that reached the functions, as "METHOD path". */
const served = [];

const isMeetingAddress = (host) => {
  const octets = host.split(".").map(Number);
  return octets.length === 4 && octets[0] === 127 && octets[1] >= 64 && octets[1] < 128;
};

/** A browser context whose requests reach the functions only; the meeting URL gets a stand-in. */
async function loopbackContext(options) {
  const context = await browser.newContext(options);
  await context.route("**/*", (route) => {
    const request = route.request();
    const url = new URL(request.url());
    if (url.origin === LAMBDA_ORIGIN) {
      served.push(`${request.method()} ${url.pathname}`);
      return route.continue();
    }
    // The meeting: at the NLB's name (self-signed mode) or, with a certificate for the address, at
    // the Elastic IP (the local AWS hands them out from 127.64.0.0/10).
    if (url.protocol === "https:" && (url.hostname.endsWith(".elb.amazonaws.com") || isMeetingAddress(url.hostname))) {
      // The meeting itself, so that the auto-join can be seen without leaving loopback.
      return route.fulfill({ contentType: "text/html", body: "<!doctype html><title>Jitsi Meet</title><h1>meeting</h1>" });
    }
    escaped.push(request.url());
    return route.abort();
  });
  return context;
}

before(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: LAUNCH_FLAGS });
  desktop = await loopbackContext({ viewport: { width: 800, height: 900 } });
});

after(async () => {
  await browser?.close();
});

/** A fresh page (a full load, even when only the fragment differs) recording its console errors. */
async function openStartPage(fragment) {
  const page = await desktop.newPage();
  const errors = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  const response = await page.goto(`${START_PAGE}${fragment}`);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-security-policy"], /default-src 'none'/);
  return { page, errors };
}

async function screenshot(page, name) {
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage: true });
}

async function visible(page, selector) {
  return page.locator(selector).isVisible();
}

async function phaseOf(page) {
  return page.locator("#phase").getAttribute("data-phase");
}

/** The status document as anyone sees it, or with the key as its holder does. */
async function status(withKey = false) {
  const auth = withKey ? { authorization: `Bearer ${SECRET}` } : {};
  const response = await fetch(STATUS_URL, { headers: { accept: "application/json", ...auth } });
  assert.equal(response.status, 200);
  return response.json();
}

/** One call to the local AWS, read independently of the functions under test. */
async function callAws(service, headers, body) {
  const response = await fetch(LOCAL_AWS, {
    method: "POST",
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      ...headers,
    },
    body,
  });
  const text = await response.text();
  assert.ok(response.ok, `${service}: ${response.status} ${text}`);
  return text;
}

/** What of a meeting exists in the local AWS: the desired count, our load balancer, our Elastic IPs. */
async function meetingResources() {
  const services = JSON.parse(await callAws("ecs", {
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": "AmazonEC2ContainerServiceV20141113.DescribeServices",
  }, JSON.stringify({ cluster: setting("CLUSTER_NAME"), services: [setting("SERVICE_NAME")] })));
  const form = { "content-type": "application/x-www-form-urlencoded" };
  const loadBalancers = await callAws("elasticloadbalancing", form, "Action=DescribeLoadBalancers&Version=2015-12-01");
  const addresses = await callAws("ec2", form, new URLSearchParams({
    Action: "DescribeAddresses", Version: "2016-11-15",
    "Filter.1.Name": "tag:jitsi-on-demand:stack", "Filter.1.Value.1": setting("STACK_TAG"),
  }).toString());
  return {
    desiredCount: services.services[0].desiredCount,
    loadBalancer: loadBalancers.includes(`<LoadBalancerName>${setting("LOAD_BALANCER_NAME")}</LoadBalancerName>`),
    elasticIps: (addresses.match(/<publicIp>/g) || []).length,
  };
}

const NOTHING = { desiredCount: 0, loadBalancer: false, elasticIps: 0 };

async function until(what, condition, timeoutMs = PHASE_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("the start link shows the idle page, and opening it starts nothing", async () => {
  const { page, errors } = await openStartPage(`#key=${SECRET}`);
  assert.equal(await phaseOf(page), "idle");
  assert.equal(await page.locator("#phase").textContent(), "No meeting is running.");
  assert.ok(await visible(page, "#start-button"), "the start button is shown");
  assert.ok(!(await visible(page, "#secret-field")), "the key from the link needs no typing");
  assert.ok(!(await visible(page, "#progress-section")), "no progress before a start");
  assert.ok(!(await visible(page, "#error")), "no error");
  assert.match(await page.locator("#room").inputValue(), /^[a-z]{6}-[a-z]{6}-[a-z]{6}$/,
    "an unguessable room name is proposed");
  await screenshot(page, "idle");
  // Give a page that would start by itself the time of a status poll to do so.
  await page.waitForTimeout(2000);
  assert.deepEqual(served.filter((request) => !request.startsWith("GET ")), [], "opening the page sends only GETs");
  assert.equal((await status()).phase, "idle");
  assert.deepEqual(await meetingResources(), NOTHING);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the start page fits a phone", async () => {
  const phone = await loopbackContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  await page.goto(`${START_PAGE}#key=${SECRET}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await screenshot(page, "idle-phone");
  await phone.close();
});

test("without JavaScript the page is a plain form that asks for the key", async () => {
  const noScript = await loopbackContext({ javaScriptEnabled: false });
  const page = await noScript.newPage();
  await page.goto(`${START_PAGE}#key=${SECRET}`);
  assert.ok(await visible(page, "#secret"), "the key field is shown");
  assert.ok(await visible(page, "#start-button"));
  const action = await page.locator("#start-form").evaluate((form) => [form.method, form.action]);
  assert.deepEqual(action, ["post", `${START_PAGE}start`]);
  await noScript.close();
});

test("a wrong key shows an error and starts nothing", async () => {
  const { page, errors } = await openStartPage("#key=wrong");
  await page.locator("#start-button").click();
  await page.locator("#error").waitFor({ state: "visible" });
  assert.match(await page.locator("#error-text").textContent(), /did not start: the secret is not right/);
  assert.ok(await visible(page, "#secret-field"), "the key field appears to correct the key");
  assert.ok(await visible(page, "#start-button"), "the start button stays");
  await screenshot(page, "wrong-key");
  assert.equal((await status()).phase, "idle");
  assert.deepEqual(await meetingResources(), NOTHING);
  // The browser logs the refused request itself; nothing else may be logged.
  assert.deepEqual(errors.filter((text) => !/status of 403/.test(text)), []);
  await page.close();
});

test("the right key starts the meeting: the steps advance to ready, the host joins with a token", async () => {
  const { page, errors } = await openStartPage(`#key=${SECRET}`);
  await page.locator("#room").fill(ROOM);
  await page.locator("#start-button").click();
  await page.locator("#progress-section").waitFor({ state: "visible" });
  assert.equal(await phaseOf(page), "starting");
  assert.ok(!(await visible(page, "#start-section")), "the start form is gone while starting");
  await screenshot(page, "starting");

  const stepStates = () => page.$$eval("#steps li", (items) => items.map((li) => `${li.dataset.step}=${li.dataset.state}`));
  const seen = [await stepStates()];
  await until("the ready state", async () => {
    if (await visible(page, "#ready-section")) return true;
    const states = await stepStates();
    if (states.join() !== seen.at(-1).join()) seen.push(states);
    return false;
  });
  await screenshot(page, "ready");
  assert.ok(seen.length >= 2, `the steps changed while starting: ${JSON.stringify(seen)}`);
  assert.equal(await phaseOf(page), "ready");
  // The demo runs without a domain: the certificate for the meeting's address is trusted (Pebble's).
  const certificate = page.locator('#steps [data-step="certificate"]');
  assert.equal(await certificate.locator(".name").textContent(), "Trusted certificate");
  assert.equal(await certificate.getAttribute("data-state"), "done");
  assert.match(await certificate.locator(".detail").textContent(), /^trusted, valid until /);
  assert.ok(!(await visible(page, "#certificate-warning")), "no warning with a trusted certificate");

  const anyone = await status();
  assert.equal(anyone.phase, "ready");
  assert.equal(anyone.meeting_url, undefined, "without the key the status does not say where the meeting is");
  assert.ok(!JSON.stringify(anyone).includes("jwt"), "no token in the status");
  const { meeting_url: meetingUrl } = await status(true);
  assert.match(meetingUrl, /^https:\/\/.+\/$/);
  const guestLink = `${meetingUrl}${ROOM}`;
  assert.ok(await visible(page, "#guest"), "the guests' link is shown once ready");
  assert.equal(await page.locator("#guest-link").inputValue(), guestLink);
  await page.locator("#copy-guest").click();
  const hostLink = await page.locator("#join").getAttribute("href");
  assert.match(hostLink, new RegExp(`^${guestLink.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\?jwt=[\\w-]+\\.[\\w-]+\\.[\\w-]+$`),
    "the host joins with a moderator token for the room");
  const claims = JSON.parse(Buffer.from(hostLink.split("jwt=")[1].split(".")[1], "base64url").toString());
  assert.equal(claims.room, ROOM);
  assert.ok(claims.exp * 1000 > Date.now() && claims.exp * 1000 <= Date.now() + 8 * 3600_000, "the token expires within the cap");
  await screenshot(page, "ready-links");
  await page.locator("#join").click();
  await page.waitForURL((url) => url.href === hostLink, { timeout: 10_000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("when the certificate failed, the ready page says plainly what people will see", async () => {
  // The page as the server renders it, with the status of a ready meeting whose order failed (the
  // fallback cannot be provoked on the demo stack, whose CA always issues): the page's own script
  // must show the warning and the reason.
  const page = await desktop.newPage();
  await page.route(START_PAGE, async (route) => {
    const response = await route.fetch();
    const html = await response.text();
    const real = JSON.parse(html.match(/<script id="initial-status" type="application\/json">(.*?)<\/script>/s)[1]);
    const failed = {
      ...real, phase: "ready", summary: "Your meeting is ready.",
      steps: real.steps.map((step) => step.name === "certificate"
        ? { ...step, state: "failed", detail: "the certificate authority's rate limit was hit" }
        : { ...step, state: step.state === "skipped" ? "skipped" : "done" }),
    };
    await route.fulfill({ response, body: html.replace(JSON.stringify(real), JSON.stringify(failed)) });
  });
  await page.goto(START_PAGE);
  await page.locator("#certificate-warning").waitFor({ state: "visible" });
  assert.match(await page.locator("#certificate-warning").textContent(), /browsers will warn/);
  assert.equal(await page.locator("#certificate-reason").textContent(), "Why: the certificate authority's rate limit was hit.");
  await screenshot(page, "ready-certificate-failed");
  await page.close();
});

test("after a stop the page offers a new start and nothing is left", async () => {
  const stop = await fetch(STOP_URL, { method: "POST", headers: { authorization: `Bearer ${SECRET}` } });
  assert.equal(stop.status, 202);
  // start-meeting serves a status read for up to a second (shared/src/recent_status.rs), and the
  // stop went through another function.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const { page, errors } = await openStartPage(`#key=${SECRET}`);
  assert.ok(["stopping", "idle"].includes(await phaseOf(page)));
  assert.ok(await visible(page, "#start-button"), "a new start is offered at once");
  await until("the idle state", async () => (await phaseOf(page)) === "idle");
  assert.equal(await page.locator("#phase").textContent(), "No meeting is running.");
  await screenshot(page, "idle-again");
  assert.deepEqual(await meetingResources(), NOTHING);
  assert.deepEqual(errors, []);
  await page.close();
});

test("nothing the pages asked for left loopback, apart from joining the meeting", () => {
  assert.deepEqual(escaped, []);
});
