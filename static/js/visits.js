/* The visit report pages: what was typed is never lost, and picking a customer takes a tap.
   Everything here improves pages that work without it; the texts come from the page (in
   the reader's language). */
(function () {
  "use strict";

  /* The customer search answers as you type (htmx); Enter searches, it does not save the
     visit half-filled. */
  const search = document.getElementById("customer-search");
  if (search) {
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
  }

  /* A customer picked among the search results stays picked when the next search replaces
     the results: it moves up to the picked place. */
  const results = document.getElementById("customer-results");
  const picked = document.getElementById("customer-picked");
  if (results && picked) {
    results.addEventListener("change", (event) => {
      const option = event.target.closest(".picker-option");
      if (!option || !event.target.checked) return;
      picked.replaceChildren(option);
    });
  }

  /* A new visit not yet saved: kept in the browser while it is typed, and offered back
     when the page is opened again (a closed tab, a lost connection, a phone call). */
  const DRAFT_SKIP = new Set(["csrfmiddlewaretoken", "q"]);
  const SENT = "visit-draft-sent";
  const draftForm = document.querySelector("form[data-draft-key]");
  if (draftForm && window.localStorage) {
    const key = draftForm.dataset.draftKey;
    const fields = () =>
      Array.from(draftForm.elements).filter(
        (element) => element.name && !DRAFT_SKIP.has(element.name) && element.type !== "file",
      );
    const save = () => {
      const values = {};
      fields().forEach((element) => {
        if (element.type === "radio" || element.type === "checkbox") {
          if (element.checked) values[element.name] = element.value;
        } else if (element.value) {
          values[element.name] = element.value;
        }
      });
      try {
        localStorage.setItem(key, JSON.stringify(values));
      } catch (error) {
        /* Storage full or refused: the page still saves on the server. */
      }
    };
    const restore = (values) => {
      fields().forEach((element) => {
        if (!(element.name in values)) return;
        if (element.type === "radio" || element.type === "checkbox") {
          element.checked = element.value === values[element.name];
        } else {
          element.value = values[element.name];
        }
      });
    };
    /* Shown again (with its errors): it was not saved. */
    try {
      sessionStorage.removeItem(SENT);
    } catch (error) {
      /* Nothing to forget. */
    }
    const stored = localStorage.getItem(key);
    if ("draftRestore" in draftForm.dataset && stored) {
      let values = {};
      try {
        values = JSON.parse(stored);
      } catch (error) {
        values = {};
      }
      const typed = Object.keys(values).some((name) => !["time", "kind"].includes(name));
      if (typed) {
        restore(values);
        const note = document.createElement("p");
        note.className = "message warning";
        note.setAttribute("role", "status");
        note.dataset.testid = "draft-restored";
        note.textContent = draftForm.dataset.draftRestored + " ";
        const discard = document.createElement("button");
        discard.type = "button";
        discard.className = "link";
        discard.textContent = draftForm.dataset.draftDiscard;
        discard.addEventListener("click", () => {
          localStorage.removeItem(key);
          window.location.reload();
        });
        note.append(discard);
        draftForm.prepend(note);
      }
    }
    draftForm.addEventListener("input", save);
    draftForm.addEventListener("change", save);
    draftForm.addEventListener("submit", () => {
      try {
        sessionStorage.setItem(SENT, key);
      } catch (error) {
        /* Without it the draft stays offered until discarded. */
      }
    });
  }

  /* The visit's page right after the new visit was sent: it was saved, so its draft in the
     browser is done with. (Any other visit's page leaves a draft being typed alone.) */
  document.querySelectorAll("[data-draft-clear]").forEach((element) => {
    const key = element.dataset.draftClear;
    if (!window.sessionStorage || sessionStorage.getItem(SENT) !== key) return;
    sessionStorage.removeItem(SENT);
    localStorage.removeItem(key);
  });

  /* A saved visit's notes are saved as they are typed, a few seconds after the last key,
     and at once when the page is left. */
  const autosaveForm = document.querySelector("form[data-autosave-url]");
  if (autosaveForm) {
    const url = autosaveForm.dataset.autosaveUrl;
    const names = autosaveForm.dataset.autosaveFields.split(" ");
    const status = autosaveForm.querySelector("[data-autosave-status]");
    const token = autosaveForm.querySelector("[name=csrfmiddlewaretoken]").value;
    let timer = null;
    let dirty = false;
    const body = () => {
      const data = new FormData();
      data.append("csrfmiddlewaretoken", token);
      names.forEach((name) => {
        const element = autosaveForm.elements[name];
        if (element) data.append(name, element.value);
      });
      return data;
    };
    const send = () => {
      timer = null;
      if (!dirty) return;
      dirty = false;
      fetch(url, {
        method: "POST",
        body: body(),
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
      })
        .then((response) => response.json().then((answer) => ({ response, answer })))
        .then(({ response, answer }) => {
          if (!response.ok) throw new Error(answer.error || response.statusText);
          status.textContent = autosaveForm.dataset.autosaveSaved.replace("__TIME__", answer.saved_at);
        })
        .catch(() => {
          dirty = true;
          status.textContent = autosaveForm.dataset.autosaveFailed;
        });
    };
    autosaveForm.addEventListener("input", (event) => {
      if (!names.includes(event.target.name)) return;
      dirty = true;
      if (timer) clearTimeout(timer);
      timer = setTimeout(send, 3000);
    });
    /* Leaving the page (another form, another app) sends what is pending. */
    const flush = () => {
      if (!dirty || !navigator.sendBeacon) return;
      dirty = false;
      navigator.sendBeacon(url, body());
    };
    autosaveForm.addEventListener("submit", () => {
      dirty = false;
      if (timer) clearTimeout(timer);
    });
    document.querySelectorAll("form:not([data-autosave-url])").forEach((form) => {
      form.addEventListener("submit", flush);
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") flush();
    });
  }
})();
