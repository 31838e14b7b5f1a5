// Tally CRM pipeline board: every tile becomes draggable and gets a "Move to" form (from the page's
// <template id="board-move-form">); dropping a tile on another column or sending its form moves the deal
// by fetch (POST /leads/<id>/status, JSON); "Show more" appends a column's next page in place.
// Without this file the board still shows and pages; a deal then moves on its card.
"use strict";

(() => {
  const board = document.querySelector(".board[data-board]");
  if (!board) return;
  const texts = board.dataset;
  const message = document.getElementById("board-message");
  const moveForm = document.getElementById("board-move-form");
  let dragged = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
  }

  function say(text, failed) {
    message.textContent = text;
    message.classList.toggle("board-message-error", Boolean(failed));
    message.setAttribute("role", failed ? "alert" : "status");
  }

  function columnFor(statusId) {
    return board.querySelector(`.board-column[data-status="${CSS.escape(String(statusId))}"]`);
  }

  function tileName(tile) {
    return tile.querySelector(".tile-name").textContent;
  }

  function statusName(select, statusId) {
    const option = Array.from(select.options).find((each) => each.value === String(statusId));
    return option ? option.textContent : String(statusId);
  }

  // A column's "No deals" line shows only while it has no tile.
  function markEmpty(column) {
    if (!column) return;
    const empty = column.querySelector(".tile-empty");
    if (empty) empty.hidden = column.querySelector(".tile") !== null;
  }

  // A tile made movable: draggable, with its own copy of the "Move to" form, its column's status chosen.
  function equip(tile) {
    if (!moveForm || tile.querySelector("form.tile-move")) return;
    const form = moveForm.content.firstElementChild.cloneNode(true);
    form.action = texts.moveUrl.replace(/\/0\//, `/${tile.dataset.id}/`);
    const select = form.elements.status_id;
    select.value = tile.closest(".board-column").dataset.status;
    select.setAttribute("aria-label", fill(texts.moveLabel, { name: tileName(tile) }));
    tile.append(form);
    tile.draggable = true;
  }

  // What the server said: {answer} for a move made, {reason} for one refused.
  async function readAnswer(response) {
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) {
      const body = await response.json();
      return response.ok ? { answer: body } : { reason: body.detail || texts.failed };
    }
    if (response.redirected && new URL(response.url).pathname === texts.loginUrl) return { reason: texts.signedOut };
    if (response.status === 400) return { reason: texts.expired }; // the CSRF token is no longer valid
    if (response.status === 404) return { reason: texts.gone };
    return { reason: texts.failed };
  }

  async function send(form) {
    const token = form.elements.csrf_token ? form.elements.csrf_token.value : "";
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json", "X-CSRFToken": token },
        credentials: "same-origin",
      });
      return await readAnswer(response);
    } catch (error) {
      return { reason: texts.offline };
    }
  }

  function showTotals(columns) {
    (columns || []).forEach((column) => {
      if (String(column.pipeline_id) !== board.dataset.board) return;
      const target = columnFor(column.status_id);
      const totals = target && target.querySelector(".board-totals");
      if (totals) totals.textContent = column.summary;
    });
  }

  // Move `tile` to `statusId`: the tile goes there at once (or leaves a one-column page), and back if refused.
  async function move(tile, statusId) {
    const form = tile.querySelector("form.tile-move");
    const select = form.elements.status_id;
    const from = tile.closest(".board-column");
    if (tile.dataset.busy || String(statusId) === from.dataset.status) return;
    const home = { parent: tile.parentNode, next: tile.nextSibling, value: from.dataset.status };
    const target = columnFor(statusId);
    const hadFocus = tile.contains(document.activeElement);
    select.value = String(statusId);
    tile.dataset.busy = "true";
    tile.classList.add("tile-moving");
    if (target) target.querySelector(".board-tiles").prepend(tile);
    markEmpty(from);
    markEmpty(target);
    if (hadFocus) select.focus();
    const result = await send(form);
    delete tile.dataset.busy;
    tile.classList.remove("tile-moving");
    const values = { name: tileName(tile), status: statusName(select, statusId) };
    if (result.reason) {
      home.parent.insertBefore(tile, home.next && home.next.parentNode === home.parent ? home.next : null);
      select.value = home.value;
      markEmpty(from);
      markEmpty(target);
      if (hadFocus) select.focus();
      say(fill(texts.refused, { ...values, reason: result.reason }), true);
      return;
    }
    if (!target) tile.remove(); // moved to a column this page does not show
    markEmpty(from);
    showTotals(result.answer.columns);
    say(fill(texts.moved, values), false);
  }

  board.querySelectorAll(".tile").forEach(equip);

  board.addEventListener("submit", (event) => {
    const form = event.target.closest("form.tile-move");
    if (!form) return;
    event.preventDefault();
    move(form.closest(".tile"), form.elements.status_id.value);
  });

  // Enter on a tile's "Move to" list sends its form (a closed <select> does not do it by itself).
  board.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !event.target.matches("form.tile-move select")) return;
    event.preventDefault();
    event.target.form.requestSubmit();
  });

  board.addEventListener("dragstart", (event) => {
    const tile = event.target.closest && event.target.closest(".tile");
    if (!tile || tile.dataset.busy || event.target.closest("form")) return;
    dragged = tile;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", tile.querySelector(".tile-name").href);
    tile.classList.add("tile-dragging");
  });

  function clearTargets() {
    board.querySelectorAll(".board-column.drop-target").forEach((column) => column.classList.remove("drop-target"));
  }

  board.addEventListener("dragend", () => {
    if (dragged) dragged.classList.remove("tile-dragging");
    dragged = null;
    clearTargets();
  });

  board.addEventListener("dragover", (event) => {
    const column = event.target.closest && event.target.closest(".board-column");
    if (!dragged || !column) return;
    event.preventDefault(); // this column takes the drop
    event.dataTransfer.dropEffect = "move";
    if (!column.classList.contains("drop-target")) {
      clearTargets();
      column.classList.add("drop-target");
    }
  });

  board.addEventListener("dragleave", (event) => {
    const column = event.target.closest && event.target.closest(".board-column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });

  board.addEventListener("drop", (event) => {
    const column = event.target.closest && event.target.closest(".board-column");
    if (!dragged || !column) return;
    event.preventDefault();
    const tile = dragged;
    clearTargets();
    move(tile, column.dataset.status);
  });

  // "Show more": the column's next page (counted like any list page) appended to the column.
  board.addEventListener("click", async (event) => {
    const link = event.target.closest && event.target.closest("a.board-show-more");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const column = link.closest(".board-column");
    link.setAttribute("aria-busy", "true");
    let page = null;
    try {
      const response = await fetch(link.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (response.ok && !response.redirected) page = new DOMParser().parseFromString(await response.text(), "text/html");
    } catch (error) {
      page = null;
    }
    const more = page && page.querySelector(`.board-column[data-status="${CSS.escape(column.dataset.status)}"]`);
    if (!more) {
      window.location.assign(link.href); // show what the server says (a refusal, a sign-in) as a page
      return;
    }
    const list = column.querySelector(".board-tiles");
    const empty = list.querySelector(".tile-empty");
    more.querySelectorAll(".tile").forEach((tile) => {
      // A deal already here (moved in meanwhile) is not shown twice.
      if (!board.querySelector(`.tile[data-id="${CSS.escape(tile.dataset.id)}"]`)) {
        list.insertBefore(document.adoptNode(tile), empty);
        equip(tile);
      }
    });
    const next = more.querySelector("a.board-show-more");
    if (next) {
      link.href = next.getAttribute("href");
      link.removeAttribute("aria-busy");
    } else {
      link.remove();
    }
  });
})();
