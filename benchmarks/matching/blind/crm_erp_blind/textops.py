"""Small text transformations: diacritic folding / transliteration, typos, case."""
import unicodedata

_SPECIAL_FOLD = {"ß": "ss", "ẞ": "SS", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                 "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i", "º": "o", "ª": "a", "’": "'"}
_TRANSLIT = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ø": "oe", "Ø": "Oe",
             "å": "aa", "Å": "Aa", "æ": "ae", "Æ": "Ae"}


def _build():
    fold = {}
    for cp in list(range(0xA0, 0x250)) + [0x2019, 0x1E9E]:
        ch = chr(cp)
        if ch in _SPECIAL_FOLD:
            fold[cp] = _SPECIAL_FOLD[ch]
            continue
        d = unicodedata.normalize("NFKD", ch)
        base = "".join(c for c in d if not unicodedata.combining(c))
        if base != ch and base.isascii() and base:
            fold[cp] = base
    tr = dict(fold)
    for k, v in _TRANSLIT.items():
        tr[ord(k)] = v
    return fold, tr


FOLD_TABLE, TRANSLIT_TABLE = _build()


def fold(s):
    return s.translate(FOLD_TABLE)


def translit(s):
    return s.translate(TRANSLIT_TABLE)


def has_non_ascii(s):
    return not s.isascii()


_NEIGH = {
    "a": "qswz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm",
    "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji", "v": "cfgb",
    "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}


def typo_word(w, rng):
    """One keyboard-ish typo in a word (len >= 4)."""
    n = len(w)
    if n < 4:
        return w
    i = rng.randrange(1, n - 1)
    op = rng.random()
    if op < 0.3:                       # deletion
        return w[:i] + w[i + 1:]
    if op < 0.5:                       # duplication
        return w[:i] + w[i] + w[i:]
    if op < 0.75:                      # transposition
        if w[i] != w[i + 1]:
            return w[:i] + w[i + 1] + w[i] + w[i + 2:]
        return w[:i] + w[i + 1:]
    c = w[i]
    lc = c.lower()
    if lc in _NEIGH:
        r = rng.choice(_NEIGH[lc])
        if c.isupper():
            r = r.upper()
        return w[:i] + r + w[i + 1:]
    return w[:i] + w[i + 1:]


def typo_text(s, rng):
    """Typo in one random word of length >= 4 (keeps structure)."""
    parts = s.split(" ")
    cand = [k for k, p in enumerate(parts) if len(p) >= 4 and p.isalpha()]
    if not cand:
        return s
    k = rng.choice(cand)
    parts[k] = typo_word(parts[k], rng)
    return " ".join(parts)


def whitespace_noise(s, rng):
    r = rng.random()
    if r < 0.35:
        return s + " "
    if r < 0.55:
        return " " + s
    if r < 0.85 and " " in s:
        i = s.index(" ")
        return s[:i] + "  " + s[i + 1:]
    return s.replace(" ", "  ", 1) + "  "


def truncate(s, limit):
    if limit and len(s) > limit:
        return s[:limit], s[limit:]
    return s, ""
