"""Context cues: phrases after which respondents write a name, a handle or a place.

"my nickname was X", "call me X", "my wife X", "I live in X": whatever
follows such a phrase is likely an identifier. The table covers the survey's
languages (en fi sv de fr es nl it pt da nb pl et lv lt ru), three kinds per
language:

* ``handle``: nicknames, user names, "known as", "call me";
* ``name``: "my name is", kinship and care words ("my wife", "my therapist");
* ``place``: "I live in", "I'm from", "moved to".

:func:`cue_matches` finds the phrases; what comes after them is for the
caller to judge (the residual-risk score in :mod:`twoknow_text.deid.risk`
checks whether a placeholder follows; detection can use the same offsets).
Matching is case-insensitive and uses Unicode word boundaries: a cue never
matches inside a longer word ("asun" does not match in "asunto"), and
letters such as ä, ł, ё count as word characters. An apostrophe in a phrase
matches both ``'`` and ``’``; a space matches any run of whitespace.

>>> [(k, s, e) for k, s, e in cue_matches("Online my nickname was [USERNAME_AB12CD].", "en")]
[('handle', 10, 18)]
>>> cue_matches("Asuntoni on pieni.", "fi")
[]
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["CUES", "CUE_KINDS", "cue_matches", "cue_languages"]

#: The kinds of identifier a cue announces.
CUE_KINDS = ("handle", "name", "place")

#: language -> kind -> cue phrases (lowercase; matched case-insensitively).
CUES: dict[str, dict[str, list[str]]] = {
    "en": {
        "handle": ["nickname", "nick", "username", "user name", "screen name", "handle", "alias", "known as",
                   "knew me as", "call me", "called me", "go by", "went by", "add me", "find me", "my id is",
                   "my id was", "on discord", "on telegram", "on kik", "on snapchat", "on wickr", "on skype",
                   "on reddit", "on instagram", "on session"],
        "name": ["my name is", "my name was", "i am called", "i'm called", "my wife", "my husband", "my partner",
                 "my girlfriend", "my boyfriend", "my son", "my daughter", "my brother", "my sister", "my mother",
                 "my father", "my mom", "my mum", "my dad", "my friend", "my therapist", "my counsellor",
                 "my counselor", "my colleague", "my boss", "my doctor", "named", "regards", "cheers", "signed"],
        "place": ["i live in", "i lived in", "living in", "i'm from", "i am from", "moved to", "grew up in",
                  "based in", "the town of", "the city of", "the village of", "near", "working at", "work at",
                  "worked at", "employed at", "employed by", "counsellor at", "counselor at", "therapist at"],
    },
    "fi": {
        "handle": ["nimimerkki", "nimimerkkini", "nimimerkillä", "käyttäjänimi", "käyttäjänimeni",
                   "käyttäjätunnus", "käyttäjätunnukseni", "tunnukseni", "nickini", "kutsukaa minua",
                   "kutsu minua", "minut tunnettiin nimellä", "nimellä"],
        "name": ["nimeni on", "olen nimeltäni", "vaimoni", "mieheni", "poikaystäväni", "tyttöystäväni",
                 "puolisoni", "poikani", "tyttäreni", "veljeni", "siskoni", "äitini", "isäni", "ystäväni",
                 "kaverini", "terapeuttini", "nimeltä", "terveisin"],
        "place": ["asun", "asuin", "asumme", "kotoisin", "muutin", "kotikaupunkini", "paikkakunnalla"],
    },
    "sv": {
        "handle": ["smeknamn", "mitt smeknamn", "användarnamn", "mitt användarnamn", "alias", "kalla mig",
                   "kallade mig", "känd som"],
        "name": ["jag heter", "mitt namn är", "min fru", "min man", "min flickvän", "min pojkvän", "min son",
                 "min dotter", "min bror", "min syster", "min mamma", "min pappa", "min vän", "min kompis",
                 "min terapeut", "hälsningar"],
        "place": ["jag bor i", "bor i", "bodde i", "kommer från", "flyttade till", "växte upp i"],
    },
    "de": {
        "handle": ["spitzname", "mein spitzname", "benutzername", "mein benutzername", "nickname", "nick",
                   "nenn mich", "nennt mich", "nannten mich", "bekannt als", "alias"],
        "name": ["ich heiße", "ich heisse", "mein name ist", "meine frau", "mein mann", "meine freundin",
                 "mein freund", "mein sohn", "meine tochter", "mein bruder", "meine schwester", "meine mutter",
                 "mein vater", "mein therapeut", "meine therapeutin", "namens", "grüße", "gruß"],
        "place": ["ich wohne in", "ich lebe in", "wohne in", "lebe in", "komme aus", "zog nach",
                  "aufgewachsen in", "in der nähe von"],
    },
    "fr": {
        "handle": ["pseudo", "mon pseudo", "pseudonyme", "nom d'utilisateur", "identifiant", "appelez-moi",
                   "appelle-moi", "on m'appelait", "connu sous le nom de", "alias"],
        "name": ["je m'appelle", "mon nom est", "ma femme", "mon mari", "ma copine", "mon copain", "ma compagne",
                 "mon compagnon", "mon fils", "ma fille", "mon frère", "ma sœur", "ma mère", "mon père",
                 "mon ami", "mon amie", "mon thérapeute", "ma psy", "cordialement"],
        "place": ["j'habite à", "j'habite en", "j'habite", "je vis à", "je viens de", "originaire de",
                  "déménagé à", "à côté de"],
    },
    "es": {
        "handle": ["apodo", "mi apodo", "nombre de usuario", "mi usuario", "llámame", "me llaman", "me llamaban",
                   "conocido como", "alias", "nick"],
        "name": ["me llamo", "mi nombre es", "mi esposa", "mi mujer", "mi marido", "mi novia", "mi novio",
                 "mi hijo", "mi hija", "mi hermano", "mi hermana", "mi madre", "mi padre", "mi amigo", "mi amiga",
                 "mi terapeuta", "saludos"],
        "place": ["vivo en", "vivía en", "soy de", "me mudé a", "crecí en", "cerca de"],
    },
    "nl": {
        "handle": ["bijnaam", "mijn bijnaam", "gebruikersnaam", "mijn gebruikersnaam", "noem me", "noemden me",
                   "bekend als", "alias", "nick"],
        "name": ["ik heet", "mijn naam is", "mijn vrouw", "mijn man", "mijn vriendin", "mijn vriend", "mijn zoon",
                 "mijn dochter", "mijn broer", "mijn zus", "mijn moeder", "mijn vader", "mijn therapeut", "groeten"],
        "place": ["ik woon in", "woon in", "ik kom uit", "kom uit", "verhuisd naar", "opgegroeid in"],
    },
    "it": {
        "handle": ["soprannome", "il mio soprannome", "nome utente", "il mio nome utente", "nickname", "chiamami",
                   "mi chiamavano", "conosciuto come", "alias"],
        "name": ["mi chiamo", "il mio nome è", "mia moglie", "mio marito", "la mia ragazza", "il mio ragazzo",
                 "mio figlio", "mia figlia", "mio fratello", "mia sorella", "mia madre", "mio padre",
                 "il mio amico", "la mia amica", "il mio terapeuta", "saluti"],
        "place": ["vivo a", "abito a", "vivo in", "abito in", "sono di", "vengo da", "mi sono trasferito a",
                  "cresciuto a"],
    },
    "pt": {
        "handle": ["apelido", "meu apelido", "alcunha", "nome de usuário", "nome de utilizador", "me chamam de",
                   "chamavam-me", "conhecido como", "alias", "nick"],
        "name": ["meu nome é", "chamo-me", "me chamo", "minha esposa", "minha mulher", "meu marido",
                 "minha namorada", "meu namorado", "meu filho", "minha filha", "meu irmão", "minha irmã",
                 "minha mãe", "meu pai", "meu amigo", "minha amiga", "meu terapeuta", "abraços"],
        "place": ["moro em", "moro no", "moro na", "vivo em", "sou de", "mudei-me para", "mudei para", "cresci em"],
    },
    "da": {
        "handle": ["kaldenavn", "øgenavn", "brugernavn", "mit brugernavn", "kald mig", "kaldte mig", "kendt som",
                   "alias"],
        "name": ["jeg hedder", "mit navn er", "min kone", "min mand", "min kæreste", "min søn", "min datter",
                 "min bror", "min søster", "min mor", "min far", "min ven", "min veninde", "min terapeut",
                 "hilsen"],
        "place": ["jeg bor i", "bor i", "jeg kommer fra", "kommer fra", "flyttede til", "voksede op i"],
    },
    "nb": {
        "handle": ["kallenavn", "brukernavn", "mitt brukernavn", "kall meg", "kalte meg", "kjent som", "alias"],
        "name": ["jeg heter", "navnet mitt er", "mitt navn er", "kona mi", "min kone", "mannen min", "min mann",
                 "kjæresten min", "min kjæreste", "sønnen min", "datteren min", "broren min", "søsteren min",
                 "moren min", "mora mi", "faren min", "vennen min", "terapeuten min", "hilsen"],
        "place": ["jeg bor i", "bor i", "jeg kommer fra", "kommer fra", "flyttet til", "vokste opp i"],
    },
    "pl": {
        "handle": ["pseudonim", "mój pseudonim", "ksywa", "ksywka", "nick", "mój nick", "nazwa użytkownika",
                   "login", "mówcie mi", "mów mi", "nazywali mnie", "znany jako", "znana jako"],
        "name": ["nazywam się", "mam na imię", "moja żona", "mój mąż", "moja dziewczyna", "mój chłopak",
                 "mój syn", "moja córka", "mój brat", "moja siostra", "moja mama", "mój tata", "mój przyjaciel",
                 "moja przyjaciółka", "mój terapeuta", "imieniem", "pozdrawiam"],
        "place": ["mieszkam w", "mieszkałem w", "mieszkałam w", "jestem z", "pochodzę z",
                  "przeprowadziłem się do", "przeprowadziłam się do", "wychowałem się w", "wychowałam się w"],
    },
    "et": {
        "handle": ["hüüdnimi", "minu hüüdnimi", "kasutajanimi", "minu kasutajanimi", "kutsuge mind",
                   "kutsu mind", "kutsuti mind", "tuntud kui"],
        "name": ["minu nimi on", "mu nimi on", "minu naine", "mu naine", "minu mees", "mu mees",
                 "minu tüdruksõber", "minu poiss-sõber", "minu poeg", "minu tütar", "minu vend", "minu õde",
                 "minu ema", "minu isa", "minu sõber", "mu sõber", "minu terapeut", "tervitades"],
        "place": ["ma elan", "elan", "elasin", "olen pärit", "pärit", "kolisin"],
    },
    "lv": {
        "handle": ["segvārds", "mans segvārds", "iesauka", "mana iesauka", "lietotājvārds", "mans lietotājvārds",
                   "sauciet mani", "sauc mani", "mani sauca", "pazīstams kā"],
        "name": ["mani sauc", "mans vārds ir", "mana sieva", "mans vīrs", "mana draudzene", "mans draugs",
                 "mans dēls", "mana meita", "mans brālis", "mana māsa", "mana māte", "mana mamma", "mans tēvs",
                 "mans terapeits", "ar cieņu"],
        "place": ["es dzīvoju", "dzīvoju", "esmu no", "nāku no", "pārcēlos uz", "uzaugu"],
    },
    "lt": {
        "handle": ["slapyvardis", "mano slapyvardis", "pravardė", "vartotojo vardas", "mano vartotojo vardas",
                   "vadinkite mane", "vadink mane", "mane vadino", "žinomas kaip"],
        "name": ["mano vardas", "mane vadina", "mano žmona", "mano vyras", "mano mergina", "mano vaikinas",
                 "mano sūnus", "mano dukra", "mano brolis", "mano sesuo", "mano mama", "mano tėvas",
                 "mano draugas", "mano draugė", "mano terapeutas", "pagarbiai"],
        "place": ["gyvenu", "aš gyvenu", "esu iš", "kilęs iš", "kilusi iš", "persikėliau į", "užaugau"],
    },
    "ru": {
        "handle": ["ник", "мой ник", "никнейм", "псевдоним", "логин", "имя пользователя", "зовите меня",
                   "называй меня", "меня называли", "известен как", "известна как"],
        "name": ["меня зовут", "моё имя", "мое имя", "моя жена", "мой муж", "моя девушка", "мой парень",
                 "мой сын", "моя дочь", "мой брат", "моя сестра", "моя мама", "мой папа", "мой отец", "мой друг",
                 "моя подруга", "мой терапевт", "мой психолог", "с уважением"],
        "place": ["я живу в", "живу в", "я из", "родом из", "переехал в", "переехала в", "вырос в", "выросла в"],
    },
}


def cue_languages() -> tuple[str, ...]:
    """Languages with a cue table."""
    return tuple(CUES)


def _phrase_pattern(phrase: str) -> str:
    parts = []
    for ch in phrase:
        if ch.isspace():
            if not parts or parts[-1] != r"\s+":
                parts.append(r"\s+")
        elif ch in "'’":
            parts.append("['’]")
        else:
            parts.append(re.escape(ch))
    return "".join(parts)


@lru_cache(maxsize=64)
def _compiled(language: str | None) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """One regex per kind: the language's phrases plus English (answers mix), longest first."""
    langs = list(CUES) if language is None else [lg for lg in dict.fromkeys((language, "en")) if lg in CUES]
    out = []
    for kind in CUE_KINDS:
        phrases = sorted({p for lg in langs for p in CUES[lg].get(kind, [])}, key=lambda p: (-len(p), p))
        if not phrases:
            continue
        body = "|".join(_phrase_pattern(p) for p in phrases)
        out.append((kind, re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)))
    return tuple(out)


def cue_matches(text: str, language: str | None) -> list[tuple[str, int, int]]:
    """Cue phrases in ``text``: ``(kind, start, end)`` sorted by position.

    ``language`` picks the table plus English (respondents mix it in); a
    language without a table uses English only; None uses every table.
    Matches of different kinds may overlap and are all returned; within a
    kind the longest phrase wins.
    """
    if language is not None and language not in CUES:
        language = "en"
    found: list[tuple[str, int, int]] = []
    for kind, rx in _compiled(language):
        found.extend((kind, m.start(), m.end()) for m in rx.finditer(text))
    found.sort(key=lambda t: (t[1], t[2], t[0]))
    return found
