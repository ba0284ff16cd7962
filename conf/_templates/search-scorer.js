// Search ranking of JAX 101: Sphinx's default scores, plus a boost for a page whose own title
// names a word of the query, so "vmap" lists "Vectorization with vmap" before the chapters
// that only have a section about it (Sphinx ranks those ties alphabetically).
var Scorer = {
  score: (result) => {
    const [, title, anchor, , score] = result;
    const query = new URLSearchParams(window.location.search).get("q") || "";
    const words = query.toLowerCase().split(/\s+/).filter((word) => word.length > 1);
    const pageTitle = title.split(" > ")[0].toLowerCase();
    const named = !anchor && words.some((word) => pageTitle.includes(word));
    return named ? score + 20 : score;
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};
