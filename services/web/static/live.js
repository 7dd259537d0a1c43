// A live page (body[data-live] names its event stream): on "changed", fetch the page again
// and swap its #live part in place — no reload. While someone types in that part, wait.
(function () {
  const source = document.body.dataset.live;
  if (!source || !window.EventSource) return;
  let pending = false;
  async function refresh() {
    const active = document.activeElement;
    const live = document.getElementById("live");
    if (active && live.contains(active) && /INPUT|TEXTAREA|SELECT/.test(active.tagName)) {
      pending = true;
      return;
    }
    pending = false;
    const reply = await fetch(location.href, { headers: { "X-Live": "1" }, credentials: "same-origin" });
    if (!reply.ok) return;
    const page = new DOMParser().parseFromString(await reply.text(), "text/html");
    const fresh = page.getElementById("live");
    if (fresh) {
      live.replaceWith(fresh);
      document.body.dataset.updated = String(Date.now());
      document.dispatchEvent(new Event("live:updated"));
    }
  }
  const events = new EventSource(source);
  events.addEventListener("changed", refresh);
  document.addEventListener("focusout", () => { if (pending) setTimeout(refresh, 100); });
})();
