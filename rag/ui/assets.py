"""The page's CSS and script (``launch(css=..., head=...)``).

The script, with no state on the server:

- the interface language: :func:`ragInitialLang` (the switch's last choice, else the
  browser's language) and :func:`ragSetLocale`, which hands the choice to Gradio's own
  i18n store (``changeLocale``, what Gradio's Settings panel calls) so every
  ``gr.I18n`` label changes at once;
- Enter in the question box: Gradio's Textbox sends on the ``keypress`` of Enter
  (``lines=1``); Shift+Enter adds a line. While an answer is still being made, the
  Enter keydown is cancelled, so nothing is sent: the question stays in the box and a
  note says why (``#rag-busy``; CSS hides it again once the answer is done);
- Copy buttons (``data-copy`` holds the text; a hidden textarea is the fallback
  where the Clipboard API is not available, e.g. plain http on another host);
- the elapsed seconds of a pending answer keep counting between server updates;
- the conversation follows new text unless the user scrolled up;
- a click on a citation ``[n]`` scrolls to its source and highlights it.
"""

from __future__ import annotations

CSS = """
#rag-conversation { max-height: 62vh; overflow-y: auto; overscroll-behavior: contain; }
.rag-chat { display: flex; flex-direction: column; gap: 12px; padding: 4px; }
.rag-user { align-self: flex-end; background: #e8f0fe; border-radius: 10px; padding: 8px 12px;
  margin-left: 20%; white-space: pre-wrap; overflow-wrap: anywhere; }
.rag-answer { background: #f7f7f8; border-radius: 10px; padding: 8px 12px; margin: 6px 20% 0 0;
  line-height: 1.6; border-left: 4px solid #4a7dff; overflow-wrap: anywhere; }
.rag-answer.rag-refusal { border-left-color: #9a9a9a; background: #f2f2f2; font-style: italic; }
.rag-answer.rag-extractive { border-left-color: #d08a00; background: #fff8e6; }
.rag-badge { font-size: 0.8em; font-weight: 600; margin-bottom: 4px; }
.rag-badge-refusal { color: #555; }
.rag-badge-extractive { color: #9a6200; }
.rag-unsupported { background: #fde8e8; text-decoration: underline wavy #d33; }
.rag-flag { color: #b00; font-size: 0.8em; font-weight: 600; }
.rag-reason { color: #b00; font-size: 0.8em; }
.rag-cite { font-size: 0.8em; vertical-align: super; text-decoration: none; color: #1a56db;
  cursor: pointer; padding: 0 1px; }
.rag-query, .rag-note { font-size: 0.85em; color: #555; }
.rag-error { color: #b00; font-weight: 600; }
.rag-notes { font-size: 0.85em; color: #9a6200; margin: 4px 0; }
.rag-tools { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; margin-top: 4px; }
.rag-copy { font-size: 0.8em; border: 1px solid #c9cedb; border-radius: 6px; padding: 1px 8px;
  background: #fff; color: #333; cursor: pointer; font-style: normal; }
.rag-copy:hover { background: #eef2fb; }
.rag-copy.rag-copied { border-color: #3a3; color: #262; }
.rag-timings { font-size: 0.8em; color: #666; }
.rag-cursor { animation: rag-blink 1s step-start infinite; }
@keyframes rag-blink { 50% { opacity: 0; } }
.rag-stage { display: flex; align-items: center; gap: 8px; color: #445; font-size: 0.92em; }
.rag-spinner { width: 12px; height: 12px; flex: none; border: 2px solid #c5d3f6;
  border-top-color: #4a7dff; border-radius: 50%; animation: rag-spin 0.8s linear infinite; }
@keyframes rag-spin { to { transform: rotate(360deg); } }
.rag-elapsed { font-variant-numeric: tabular-nums; color: #667; }
#rag-busy { display: none; }
html.rag-busy-shown body:has(#rag-conversation .rag-pending) #rag-busy { display: block; }
.rag-busy-note { color: #7a4d00; background: #fff4d6; border-radius: 6px; padding: 4px 10px;
  font-size: 0.9em; }
.rag-source { border: 1px solid #ddd; border-radius: 8px; padding: 6px 10px; margin: 6px 0;
  scroll-margin-top: 80px; transition: background 0.3s, box-shadow 0.3s; overflow-wrap: anywhere; }
.rag-source mark { background: #fff3a3; }
.rag-source.rag-highlight, .rag-source:target { background: #fff7cc;
  box-shadow: 0 0 0 3px #f5b700; }
.rag-src-title { font-weight: 600; }
.rag-src-meta, .rag-src-id, .rag-score { color: #666; font-size: 0.8em; }
.rag-src-body { white-space: pre-wrap; font-size: 0.9em; }
.rag-empty { color: #888; }
.rag-table { max-height: 480px; overflow: auto; border: 1px solid #ddd; border-radius: 6px; }
.rag-table table { border-collapse: collapse; width: 100%; font-size: 0.85em; }
.rag-table th { position: sticky; top: 0; background: #f3f4f6; text-align: left; }
.rag-table th, .rag-table td { padding: 4px 8px; border-bottom: 1px solid #eee;
  vertical-align: top; }
.rag-delta-up { color: #17692b; }
.rag-delta-down { color: #a01919; }
.rag-compare-caption { font-size: 0.85em; color: #444; margin: 4px 0; }
#rag-ui-lang { flex: 0 0 176px !important; min-width: 176px !important; align-self: flex-start; }
#rag-ui-lang .wrap { flex-wrap: nowrap; gap: 4px; }
#rag-ui-lang label { padding: 2px 8px; font-size: 0.85em; }
@media (max-width: 640px) {
  #rag-title h2 { font-size: 1.25em; }
  #rag-conversation { max-height: 46vh; }
  .rag-user { margin-left: 8%; }
  .rag-answer { margin-right: 0; }
}
"""

SCRIPT = """
<script>
(function () {
  "use strict";
  var STORE = "rag-ui-lang";

  window.ragInitialLang = function () {
    var saved = null;
    try { saved = window.localStorage.getItem(STORE); } catch (e) { /* storage off */ }
    var lang = (saved || navigator.language || "en").toLowerCase();
    return lang.indexOf("ko") === 0 ? "ko" : "en";
  };

  window.ragSetLocale = async function (lang) {
    if (lang !== "ko" && lang !== "en") return;
    document.documentElement.lang = lang;
    try { window.localStorage.setItem(STORE, lang); } catch (e) { /* storage off */ }
    var core = performance.getEntriesByType("resource").map(function (e) { return e.name; })
      .find(function (name) { return /[/]assets[/]core-[^/]+[.]js$/.test(name.split("?")[0]); });
    if (!core) { console.warn("rag: Gradio's i18n module not found"); return; }
    try { (await import(core)).changeLocale(lang); }
    catch (e) { console.warn("rag: cannot switch Gradio's language", e); }
  };

  function busy() {
    return document.querySelector("#rag-conversation .rag-pending") !== null;
  }
  function busyNote(shown) {
    document.documentElement.classList.toggle("rag-busy-shown", shown);
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey) return;
    if (!(event.target.closest && event.target.closest("#rag-question"))) return;
    if (busy()) {  // no default: no keypress, on which Gradio sends
      event.preventDefault();
      event.stopImmediatePropagation();
      busyNote(true);
    } else {
      busyNote(false);
    }
  }, true);

  async function copy(button) {
    var text = button.dataset.copy || "";
    var ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        ok = true;
      }
    } catch (e) { ok = false; }
    if (!ok) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      area.remove();
    }
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = ok ? button.dataset.done : button.dataset.failed;
    button.classList.toggle("rag-copied", ok);
    setTimeout(function () {
      button.textContent = label;
      button.classList.remove("rag-copied");
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    if (target.closest("#rag-ask")) busyNote(busy());
    var button = target.closest("button.rag-copy");
    if (button) {
      event.preventDefault();
      copy(button);
      return;
    }
    var link = target.closest("a.rag-cite");
    if (!link) return;
    event.preventDefault();
    var source = document.getElementById(link.dataset.target);
    if (!source) return;
    for (var node = source.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
    document.querySelectorAll(".rag-source.rag-highlight").forEach(function (el) {
      el.classList.remove("rag-highlight");
    });
    source.classList.add("rag-highlight");
    source.scrollIntoView({behavior: "smooth", block: "center"});
  });

  var following = true;
  function follow(box) {
    box.ragFollowing = true;
    box.addEventListener("scroll", function () {
      following = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
    });
    new MutationObserver(function () {
      if (following) box.scrollTop = box.scrollHeight;
    }).observe(box, {childList: true, subtree: true, characterData: true});
  }

  setInterval(function () {
    var box = document.getElementById("rag-conversation");
    if (box && !box.ragFollowing) follow(box);
    document.querySelectorAll("#rag-conversation .rag-elapsed").forEach(function (el) {
      var base = Number(el.dataset.elapsed) || 0;
      if (el.ragBase !== base) { el.ragBase = base; el.ragSeen = performance.now(); }
      var seconds = (base + performance.now() - el.ragSeen) / 1000;
      el.textContent = seconds.toFixed(1) + (el.dataset.unit || " s");
    });
  }, 100);
})();
</script>
"""
