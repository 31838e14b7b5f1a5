// Tally CRM workspace: record pickers in card forms, the pipeline/status pair, the tag picker of filter panels.
// Every page works without this file: a picker is then a plain input taking record ids (or a tag's name).
"use strict";

(() => {
  const DEBOUNCE_MS = 250;
  const MIN_QUERY = 2;

  function parseIds(text) {
    return (text || "").split(/[\s,;]+/).map((part) => part.replace(/^#/, "")).filter((part) => /^\d+$/.test(part));
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A chosen record's card: data-card-url is the card URL of record 0 (url_for in the template).
  function cardUrl(box, id) {
    return box.dataset.cardUrl.replace(/0$/, id);
  }

  // A picker: the id input hidden, chips for the chosen records, a search box with suggestions
  // from data-source, the entity's autocomplete URL (each suggestion shown is counted by activity monitoring).
  // The search box is an ARIA combobox (list autocomplete): the focus stays in it while ArrowDown/ArrowUp move
  // the highlight through every suggestion, wrapping around at either end (aria-activedescendant names it);
  // Enter picks the highlighted one (the first when none is), Escape closes the list.
  function setUpPicker(box) {
    const input = document.getElementById(box.dataset.pickerFor);
    if (!input) return;
    const multiple = input.dataset.multiple === "true";
    const current = box.querySelector(".picker-current");
    const known = new Map();
    current.querySelectorAll("[data-id]").forEach((chip) => known.set(chip.dataset.id, chip.textContent));
    let chosen = parseIds(input.value);
    const listId = `${input.id}-suggestions`;

    const search = element("input", "picker-search");
    search.type = "search";
    search.placeholder = box.dataset.placeholder || "";
    search.setAttribute("aria-label", box.dataset.placeholder || "");
    search.setAttribute("autocomplete", "off");
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-autocomplete", "list");
    search.setAttribute("aria-controls", listId);
    search.setAttribute("aria-expanded", "false");
    const results = element("ul", "picker-results");
    results.id = listId;
    results.setAttribute("role", "listbox");
    if (box.dataset.placeholder) results.setAttribute("aria-label", box.dataset.placeholder);
    results.hidden = true;
    input.hidden = true;
    current.after(search, results);
    box.classList.add("picker-ready");

    function save() {
      input.value = chosen.join(", ");
      render();
    }

    function render() {
      current.replaceChildren();
      chosen.forEach((id) => {
        const chip = element("span", "chip linked");
        const link = element("a", "", known.get(id) || `#${id}`);
        link.href = cardUrl(box, id);
        const remove = element("button", "chip-remove", "\u00d7");
        remove.type = "button";
        remove.title = box.dataset.removeLabel || "";
        remove.setAttribute("aria-label", `${box.dataset.removeLabel || ""} ${link.textContent}`);
        remove.addEventListener("click", () => {
          chosen = chosen.filter((other) => other !== id);
          save();
        });
        chip.append(link, remove);
        current.append(chip);
      });
    }

    let lastItems = [];
    let active = -1; // the highlighted suggestion's index in lastItems, -1 for none

    function options() {
      return Array.from(results.querySelectorAll(".picker-option"));
    }

    function highlight(index) {
      active = index;
      options().forEach((option, at) => option.setAttribute("aria-selected", String(at === index)));
      const option = options()[index];
      if (option) {
        search.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        search.removeAttribute("aria-activedescendant");
      }
    }

    function open() {
      results.hidden = false;
      search.setAttribute("aria-expanded", "true");
    }

    function close() {
      results.hidden = true;
      search.setAttribute("aria-expanded", "false");
      highlight(-1);
    }

    function choose(item) {
      const id = String(item.id);
      known.set(id, item.name);
      chosen = multiple ? (chosen.includes(id) ? chosen : [...chosen, id]) : [id];
      save();
      search.value = "";
      close();
    }

    function show(items) {
      results.replaceChildren();
      active = -1;
      search.removeAttribute("aria-activedescendant");
      if (!items.length) results.append(element("li", "picker-empty", box.dataset.emptyText || ""));
      items.forEach((item, index) => {
        const option = element("li", "picker-option");
        option.id = `${listId}-${index}`;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.append(element("span", "picker-name", item.name), element("span", "picker-hint", item.hint || ""));
        option.addEventListener("mousedown", (event) => {
          event.preventDefault(); // the search box keeps the focus
          choose(item);
        });
        results.append(option);
      });
      open();
    }

    // One step through the suggestions, wrapping: past the last comes the first, before the first the last.
    function step(by) {
      if (results.hidden) {
        if (!lastItems.length || search.value.trim().length < MIN_QUERY) return;
        show(lastItems);
      }
      const count = options().length;
      if (!count) return;
      highlight(active < 0 ? (by > 0 ? 0 : count - 1) : (active + by + count) % count);
    }

    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      const query = search.value.trim();
      if (query.length < MIN_QUERY) {
        close();
        return;
      }
      timer = setTimeout(async () => {
        try {
          const response = await fetch(`${box.dataset.source}?q=${encodeURIComponent(query)}`, {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
          });
          if (!response.ok) {
            // A refusal (activity monitoring, rights) explains itself in a problem's `detail`: show that.
            const problem = await response.json().catch(() => ({}));
            results.replaceChildren(element("li", "picker-empty", problem.detail || box.dataset.errorText));
            highlight(-1);
            open();
            return;
          }
          const items = await response.json();
          if (search.value.trim() !== query) return; // typed on meanwhile: a newer request answers
          lastItems = items;
          show(lastItems);
        } catch (error) {
          results.replaceChildren(element("li", "picker-empty", box.dataset.errorText || String(error)));
          highlight(-1);
          open();
        }
      }, DEBOUNCE_MS);
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter picks a suggestion; it does not submit the card
        if (lastItems.length && !results.hidden) choose(lastItems[active < 0 ? 0 : active]);
      } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault(); // the caret stays where it is
        step(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Escape") {
        if (!results.hidden) event.preventDefault(); // closing the list does not also clear the search
        close();
      }
    });
    search.addEventListener("blur", () => setTimeout(close, 150));
    render();
  }

  // Only the chosen pipeline's statuses can be picked.
  function setUpStages(form) {
    const pipeline = form.querySelector("select[data-pipeline-select]");
    const status = form.querySelector("select[data-status-select]");
    if (!pipeline || !status) return;
    function sync() {
      const name = pipeline.options[pipeline.selectedIndex]?.text;
      let selectedVisible = false;
      status.querySelectorAll("optgroup").forEach((group) => {
        const mine = group.label === name;
        group.hidden = !mine;
        group.disabled = !mine;
        group.querySelectorAll("option").forEach((option) => {
          if (mine && option.value === status.value && !selectedVisible) {
            option.selected = true;
            selectedVisible = true;
          }
        });
      });
      if (!selectedVisible) {
        const first = status.querySelector("optgroup:not([disabled]) option");
        if (first) first.selected = true;
      }
    }
    pipeline.addEventListener("change", sync);
    sync();
  }

  // The filter panel's tag input: suggestions (at most 20 tag names, no records) from /<entity>/tags.
  function setUpTagPicker(input) {
    const options = document.getElementById(input.getAttribute("list"));
    if (!options) return;
    let timer = null;
    let asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      const query = input.value.trim();
      if (!query || query === asked) return;
      timer = setTimeout(async () => {
        asked = query;
        try {
          const response = await fetch(`${input.dataset.tagSource}?q=${encodeURIComponent(query)}`, {
            credentials: "same-origin",
            headers: { Accept: "application/json" },
          });
          if (!response.ok) return;
          const names = await response.json();
          options.replaceChildren(...names.map((name) => {
            const option = document.createElement("option");
            option.value = name;
            return option;
          }));
        } catch (error) {
          options.replaceChildren(); // no suggestions; the typed name still filters
        }
      }, DEBOUNCE_MS);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".picker[data-picker-for]").forEach(setUpPicker);
    document.querySelectorAll("form").forEach(setUpStages);
    document.querySelectorAll("input[data-tag-source]").forEach(setUpTagPicker);
  });
})();
