/** Text made safe for HTML and SVG content and attribute values (department names come from the EPD). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
