/* journaltjek review queue: keyboard shortcuts. No dependencies, no build step.
 * An element with data-key="x" reacts to the key x:
 *   data-action="submit" submits the form (or the element's form), running HTML validation;
 *   data-action="focus"  focuses the field (Enter in a focused select then submits its form);
 *   links (<a data-key>) are followed; data-action="help" toggles the shortcut overview.
 * Keys are ignored while typing in a field; Esc leaves the field.
 */
(function () {
  "use strict";

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  function toggleHelp(show) {
    var help = document.getElementById("genveje");
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
  }

  function activate(element) {
    var action = element.getAttribute("data-action");
    if (action === "help") {
      toggleHelp();
    } else if (action === "focus") {
      element.focus();
    } else if (action === "submit") {
      var form = element.tagName === "FORM" ? element : element.form;
      if (form) {
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
    } else if (element.tagName === "A") {
      window.location.assign(element.href);
    } else {
      element.click();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (isTyping(target)) {
      if (event.key === "Escape") target.blur();
      if (event.key === "Enter" && target.tagName === "SELECT" && target.form) {
        event.preventDefault();
        if (target.form.requestSubmit) target.form.requestSubmit(); else target.form.submit();
      }
      return;
    }
    if (event.key === "Escape") { toggleHelp(false); return; }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    var elements = document.querySelectorAll("[data-key]");
    for (var i = 0; i < elements.length; i++) {
      if (elements[i].getAttribute("data-key") === key) {
        event.preventDefault();
        activate(elements[i]);
        return;
      }
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.getAttribute && target.getAttribute("data-action") === "help") toggleHelp();
    if (target && target.getAttribute && target.getAttribute("data-action") === "help-close") toggleHelp(false);
  });

  /* Decisions are never sent twice by a double click. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.getAttribute("data-sent") === "1") { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
  });
})();
