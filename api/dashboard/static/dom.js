// A little DOM: h("button", {class: "link", onclick}, "text", child, ...).

export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") element.addEventListener(key.slice(2), value);
    else if (typeof value === "boolean") element.toggleAttribute(key, value);
    else element.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A two-column table of [name, value] rows. */
export function facts(rows) {
  return h("table", { class: "facts" },
    h("tbody", null, rows.filter(Boolean).map(([name, value]) => h("tr", null, h("th", { scope: "row" }, name), h("td", null, value)))));
}
