"""Names, places and handles in any language: context cues and lexicons.

The small English spaCy pipeline is the only NER installed; answers in the
other survey languages, lowercase names, sentence-initial names, inflected
place names and handles introduced by a phrase need evidence that does not
depend on it. This module finds them from two kinds of evidence:

* **Cues** (:data:`CUES`): phrases that introduce a handle ("my nickname
  was X", "nimimerkkini oli X", "мой ник X"), a person ("my wife X", "moja
  żona X"), a place ("I live in X", "asun X", "живу в X") or a sign-off at the
  end of an answer ("- X"). What follows a cue is taken when it looks like a
  value of that kind: a cue is strong evidence, so a lowercase or unknown
  word after it is taken too, but never a function word.
* **Lexicons** (:mod:`.lexicon`): a word that is a known given name,
  surname or place (in any inflected form), weighed against how common the
  same letters are as an ordinary word in the answer's language, and
  against where it stands (sentence-initial words and lowercase words need
  more evidence than capitalised words mid-sentence).

Every span boundary is Unicode-aware (``\\w`` with ``re.UNICODE``), so a
name ends where its word ends ("Wąchocku", "Šarūnas", "Jõgeva").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .allowlist import AllowList
from .lexicon import Lexicon, LexiconEntry, english_zipf, get_lexicon
from .spans import DetectedSpan

__all__ = ["CUES", "CUE_WORDS", "lexical_spans", "cue_matches", "is_function_word"]

# A word: letters, with inner apostrophes/hyphens ("O'Neill", "Anna-Liisa").
WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# A handle-like token: letters/digits/underscores with inner dots or dashes ("blue_fox.88", "xX_mika_Xx", "u/name").
_HANDLE_TOKEN = r"(?:u/|@)?[\w][\w.\-]*[\w]|[\w]"
_SENT_BREAK = re.compile(r"(?:^|[.!?…:;\n\"“”«»()\[\]]|\s[-–—]\s)\s*$")

# ---------------------------------------------------------------------------
# Cue phrases per language (lowercase; matched case-insensitively as whole words).
# "handle": a username/nickname follows. "name": a person's name follows.
# "place": a place name follows. Phrases may end in a preposition, which is then
# part of the cue ("bor i", "живу в").
# ---------------------------------------------------------------------------

CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "handle": ("nickname", "nick", "username", "user name", "user id", "handle", "screen name", "alias",
                   "gamertag", "display name", "login", "account name", "online name", "known as", "went by",
                   "go by", "goes by", "called me", "call me", "calls me", "they knew me as", "pseudonym",
                   "my id", "id is", "tag is"),
        "name": ("wife", "husband", "son", "daughter", "brother", "sister", "mother", "mom", "mum", "father", "dad",
                 "friend", "girlfriend", "boyfriend", "partner", "fiancé", "fiancée", "uncle", "aunt", "cousin",
                 "colleague", "coworker", "co-worker", "boss", "therapist", "counsellor", "counselor", "psychologist",
                 "doctor", "neighbour", "neighbor", "roommate", "flatmate", "ex", "stepdad", "stepmom", "grandma",
                 "grandpa", "grandmother", "grandfather", "named", "my name is", "my name's", "i am called",
                 "i'm called", "name was", "name is", "mr", "mrs", "ms", "dr", "miss", "talked to", "told",
                 "spoke to", "spoke with", "met"),
        "place": ("live in", "lived in", "living in", "live near", "moved to", "moved from", "grew up in",
                  "born in", "based in", "from", "town of", "city of", "village of", "near", "stay in",
                  "staying in", "work in", "working in"),
    },
    "fi": {
        "handle": ("nimimerkki", "nimimerkkini", "nimimerkillä", "nimimerkkinä", "käyttäjänimi", "käyttäjänimeni",
                   "käyttäjätunnus", "käyttäjätunnukseni", "tunnus", "tunnukseni", "nikki", "nikkini", "lempinimi",
                   "lempinimeni", "kutsu minua", "kutsuivat minua", "minua kutsuttiin", "tunnettiin nimellä",
                   "nimellä", "alias"),
        "name": ("vaimo", "vaimoni", "mies", "mieheni", "poika", "poikani", "tytär", "tyttäreni", "veli", "veljeni",
                 "sisko", "siskoni", "sisar", "sisareni", "äiti", "äitini", "isä", "isäni", "ystävä", "ystäväni",
                 "kaveri", "kaverini", "tyttöystävä", "tyttöystäväni", "poikaystävä", "poikaystäväni", "puoliso",
                 "puolisoni", "työkaveri", "työkaverini", "pomo", "pomoni", "terapeutti", "terapeuttini", "naapuri",
                 "naapurini", "nimeltä", "nimeltään", "nimeni on", "olen nimeltäni", "serkku", "serkkuni"),
        "place": ("asun", "asuin", "asumme", "kotoisin", "muutin", "muutimme", "kasvoin", "synnyin", "paikkakunta",
                  "kaupunki", "kaupungissa", "kylässä", "lähellä"),
    },
    "sv": {
        "handle": ("smeknamn", "smeknamnet", "användarnamn", "användarnamnet", "alias", "nick", "kalla mig",
                   "kallade mig", "känd som", "kallad"),
        "name": ("fru", "frun", "hustru", "make", "maken", "son", "sonen", "dotter", "dottern", "bror", "brodern",
                 "syster", "systern", "mamma", "pappa", "vän", "vännen", "kompis", "kompisen", "flickvän", "pojkvän",
                 "sambo", "kollega", "chef", "terapeut", "granne", "grannen", "som heter", "heter", "jag heter",
                 "mitt namn är", "kusin"),
        "place": ("bor i", "bodde i", "bor nära", "kommer från", "flyttade till", "flyttade från", "växte upp i",
                  "född i", "från"),
    },
    "da": {
        "handle": ("kaldenavn", "brugernavn", "alias", "nick", "kald mig", "kaldte mig", "kendt som"),
        "name": ("kone", "konen", "mand", "manden", "søn", "datter", "bror", "søster", "mor", "far", "ven", "veninde",
                 "kæreste", "kollega", "chef", "terapeut", "nabo", "hedder", "jeg hedder", "mit navn er", "fætter",
                 "kusine"),
        "place": ("bor i", "boede i", "kommer fra", "flyttede til", "voksede op i", "født i", "fra"),
    },
    "nb": {
        "handle": ("kallenavn", "brukernavn", "alias", "nick", "kall meg", "kalte meg", "kjent som"),
        "name": ("kona", "kone", "mannen", "mann", "sønn", "datter", "bror", "søster", "mor", "far", "venn",
                 "venninne", "kjæreste", "samboer", "kollega", "sjef", "terapeut", "nabo", "heter", "jeg heter",
                 "mitt navn er", "fetter", "kusine"),
        "place": ("bor i", "bodde i", "kommer fra", "flyttet til", "vokste opp i", "født i", "fra"),
    },
    "de": {
        "handle": ("spitzname", "spitznamen", "benutzername", "benutzernamen", "nutzername", "nutzernamen",
                   "nickname", "nick", "alias", "nenn mich", "nannten mich", "bekannt als", "pseudonym"),
        "name": ("frau", "ehefrau", "mann", "ehemann", "sohn", "tochter", "bruder", "schwester", "mutter", "mama",
                 "vater", "papa", "freund", "freundin", "partner", "partnerin", "kollege", "kollegin", "chef",
                 "chefin", "therapeut", "therapeutin", "nachbar", "nachbarin", "namens", "heiße", "ich heiße",
                 "mein name ist", "cousin", "cousine", "onkel", "tante", "herr", "herrn"),
        "place": ("wohne in", "wohnte in", "lebe in", "lebte in", "komme aus", "kam aus", "zog nach", "ziehe nach",
                  "aufgewachsen in", "geboren in", "aus", "in der nähe von", "nahe"),
    },
    "fr": {
        "handle": ("pseudo", "surnom", "nom d'utilisateur", "identifiant", "alias", "appelle-moi", "appelez-moi",
                   "m'appelaient", "m'appelait", "connu sous le nom de", "connu comme", "connue comme"),
        "name": ("femme", "mari", "fils", "fille", "frère", "sœur", "soeur", "mère", "maman", "père", "papa", "ami",
                 "amie", "copain", "copine", "compagnon", "compagne", "collègue", "patron", "thérapeute", "voisin",
                 "voisine", "nommé", "nommée", "je m'appelle", "m'appelle", "mon nom est", "cousin", "cousine",
                 "monsieur", "madame"),
        "place": ("j'habite à", "habite à", "j'habite", "habite", "je vis à", "vis à", "je viens de", "originaire de",
                  "déménagé à", "grandi à", "né à", "née à", "près de"),
    },
    "es": {
        "handle": ("apodo", "nombre de usuario", "usuario", "alias", "nick", "llámame", "me llamaban",
                   "conocido como", "conocida como", "seudónimo"),
        "name": ("esposa", "esposo", "mujer", "marido", "hijo", "hija", "hermano", "hermana", "madre", "mamá", "padre",
                 "papá", "amigo", "amiga", "novia", "novio", "pareja", "compañero", "compañera", "colega", "jefe",
                 "jefa", "terapeuta", "vecino", "vecina", "llamado", "llamada", "me llamo", "mi nombre es", "primo",
                 "prima", "tío", "tía", "señor", "señora"),
        "place": ("vivo en", "vivía en", "soy de", "me mudé a", "crecí en", "nací en", "cerca de"),
    },
    "pt": {
        "handle": ("apelido", "alcunha", "nome de usuário", "nome de utilizador", "usuário", "utilizador", "nick",
                   "alias", "me chamavam", "chama-me", "conhecido como", "conhecida como"),
        "name": ("esposa", "esposo", "mulher", "marido", "filho", "filha", "irmão", "irmã", "mãe", "pai", "amigo",
                 "amiga", "namorada", "namorado", "companheiro", "companheira", "colega", "chefe", "terapeuta",
                 "vizinho", "vizinha", "chamado", "chamada", "me chamo", "chamo-me", "meu nome é", "primo", "prima",
                 "senhor", "senhora"),
        "place": ("moro em", "moro no", "moro na", "vivo em", "vivo no", "vivo na", "sou de", "sou do", "sou da",
                  "mudei para", "mudei-me para", "cresci em", "nasci em", "perto de"),
    },
    "it": {
        "handle": ("soprannome", "nome utente", "nickname", "nick", "alias", "chiamami", "mi chiamavano",
                   "conosciuto come", "conosciuta come", "pseudonimo"),
        "name": ("moglie", "marito", "figlio", "figlia", "fratello", "sorella", "madre", "mamma", "padre", "papà",
                 "amico", "amica", "fidanzata", "fidanzato", "compagno", "compagna", "collega", "capo", "terapeuta",
                 "vicino", "vicina", "chiamato", "chiamata", "mi chiamo", "il mio nome è", "cugino", "cugina",
                 "signor", "signora"),
        "place": ("abito a", "abito in", "vivo a", "vivo in", "sono di", "trasferito a", "trasferita a",
                  "cresciuto a", "cresciuta a", "nato a", "nata a", "vicino a"),
    },
    "nl": {
        "handle": ("bijnaam", "gebruikersnaam", "nickname", "nick", "alias", "noem me", "noemden me", "bekend als"),
        "name": ("vrouw", "man", "zoon", "dochter", "broer", "zus", "moeder", "mama", "vader", "papa", "vriend",
                 "vriendin", "partner", "collega", "baas", "therapeut", "buurman", "buurvrouw", "genaamd", "heet",
                 "ik heet", "mijn naam is", "neef", "nicht", "meneer", "mevrouw"),
        "place": ("woon in", "woonde in", "kom uit", "kwam uit", "verhuisd naar", "opgegroeid in", "geboren in",
                  "vlakbij", "uit"),
    },
    "pl": {
        "handle": ("ksywa", "ksywka", "ksywą", "ksywką", "ksywę", "ksywkę", "pseudonim", "pseudonimem", "nick",
                   "nickiem", "nazwa użytkownika", "login", "loginem", "mów mi", "nazywali mnie", "znany jako",
                   "znana jako"),
        "name": ("żona", "żoną", "mąż", "mężem", "syn", "synem", "córka", "córką", "brat", "bratem", "siostra",
                 "siostrą", "mama", "mamą", "matka", "tata", "ojciec", "przyjaciel", "przyjaciółka", "kolega",
                 "koleżanka", "dziewczyna", "chłopak", "partner", "partnerka", "szef", "terapeuta", "terapeutka",
                 "sąsiad", "sąsiadka", "imieniu", "nazywam się", "mam na imię", "kuzyn", "kuzynka", "pan", "pani",
                 "panem", "panią"),
        "place": ("mieszkam w", "mieszkam we", "mieszkałem w", "mieszkałam w", "jestem z", "pochodzę z",
                  "przeprowadziłem się do", "przeprowadziłam się do", "wychowałem się w", "wychowałam się w",
                  "urodziłem się w", "urodziłam się w", "koło", "pod", "niedaleko"),
    },
    "et": {
        "handle": ("hüüdnimi", "hüüdnimeks", "kasutajanimi", "kasutajanimeks", "nimi", "nimeks", "nick", "alias",
                   "kutsu mind", "kutsuti mind", "kutsuti", "tuntud kui"),
        "name": ("naine", "abikaasa", "mees", "poeg", "tütar", "vend", "õde", "ema", "isa", "sõber", "sõbranna",
                 "tüdruksõber", "poiss-sõber", "elukaaslane", "kolleeg", "ülemus", "terapeut", "naaber", "nimega",
                 "minu nimi on", "mu nimi on", "nõbu"),
        "place": ("elan", "elasin", "elame", "pärit", "kolisin", "kasvasin üles", "sündisin", "lähedal"),
    },
    "lv": {
        "handle": ("segvārds", "segvārdu", "lietotājvārds", "lietotājvārdu", "iesauka", "iesauku", "niks", "alias",
                   "sauc mani", "sauca mani", "pazīstams kā", "pazīstama kā"),
        "name": ("sieva", "vīrs", "dēls", "meita", "brālis", "māsa", "māte", "mamma", "tēvs", "tētis", "draugs",
                 "draudzene", "partneris", "partnere", "kolēģis", "kolēģe", "priekšnieks", "terapeits", "kaimiņš",
                 "kaimiņiene", "vārdā", "mani sauc", "mans vārds ir", "brālēns", "māsīca"),
        "place": ("dzīvoju", "dzīvojam", "dzīvoju netālu no", "esmu no", "nāku no", "pārcēlos uz", "uzaugu",
                  "dzimu", "netālu no"),
    },
    "lt": {
        "handle": ("slapyvardis", "slapyvardį", "slapyvardžiu", "vartotojo vardas", "vartotojo vardą", "pravardė",
                   "pravardę", "nikas", "alias", "vadink mane", "vadino mane", "žinomas kaip", "žinoma kaip"),
        "name": ("žmona", "vyras", "sūnus", "dukra", "duktė", "brolis", "sesuo", "mama", "motina", "tėtis", "tėvas",
                 "draugas", "draugė", "mergina", "vaikinas", "partneris", "partnerė", "kolega", "kolegė", "viršininkas",
                 "terapeutas", "kaimynas", "kaimynė", "vardu", "mano vardas", "mane vadina", "pusbrolis",
                 "pusseserė"),
        "place": ("gyvenu", "gyvenau", "gyvename", "esu iš", "kilęs iš", "kilusi iš", "persikėliau į", "užaugau",
                  "gimiau", "netoli"),
    },
    "ru": {
        "handle": ("ник", "ником", "никнейм", "никнеймом", "псевдоним", "псевдонимом", "логин", "логином",
                   "прозвище", "кличка", "кличку", "зови меня", "звали меня", "называли меня", "известен как",
                   "известна как", "юзернейм"),
        "name": ("жена", "женой", "муж", "мужем", "сын", "сыном", "дочь", "дочка", "брат", "братом", "сестра",
                 "сестрой", "мама", "мать", "папа", "отец", "друг", "другом", "подруга", "подругой", "девушка",
                 "парень", "партнёр", "партнер", "коллега", "начальник", "терапевт", "психолог", "сосед", "соседка",
                 "по имени", "меня зовут", "моё имя", "мое имя", "зовут", "двоюродный брат", "двоюродная сестра"),
        "place": ("живу в", "живу во", "жил в", "жила в", "живём в", "живем в", "я из", "родом из", "переехал в",
                  "переехала в", "вырос в", "выросла в", "родился в", "родилась в", "недалеко от", "под"),
    },
    "uk": {
        "handle": ("нік", "ніком", "псевдонім", "логін", "прізвисько", "клич мене", "називали мене", "відомий як"),
        "name": ("дружина", "чоловік", "син", "донька", "дочка", "брат", "сестра", "мама", "мати", "тато", "батько",
                 "друг", "подруга", "дівчина", "хлопець", "колега", "начальник", "терапевт", "сусід", "сусідка",
                 "на ім'я", "мене звати", "моє ім'я"),
        "place": ("живу в", "живу у", "жив у", "жила в", "я з", "родом з", "переїхав до", "переїхала до",
                  "виріс у", "виросла в"),
    },
    "cs": {
        "handle": ("přezdívka", "přezdívku", "uživatelské jméno", "nick", "alias", "říkej mi", "říkali mi",
                   "známý jako", "známá jako"),
        "name": ("manželka", "manžel", "syn", "dcera", "bratr", "sestra", "máma", "matka", "táta", "otec", "kamarád",
                 "kamarádka", "přítel", "přítelkyně", "kolega", "kolegyně", "šéf", "terapeut", "soused", "sousedka",
                 "jménem", "jmenuji se", "jmenuju se", "mé jméno je"),
        "place": ("bydlím v", "bydlím ve", "žiju v", "žiju ve", "jsem z", "pocházím z", "přestěhoval jsem se do",
                  "vyrostl jsem v", "narodil jsem se v", "nedaleko"),
    },
}
CUES["no"] = CUES["nb"]
#: Every single word of every cue phrase, casefolded ("Frau", "vaimoni", "żona"): never part of a name.
CUE_WORDS = frozenset(w for table in CUES.values() for phrases in table.values() for p in phrases for w in p.split())

#: Sign-off words before a name at the end of an answer ("- Mikko", "t. Anna", "regards, Jan").
_SIGN_OFF = re.compile(
    r"(?:^|[\s.!,;])(?:[-–—~/]+|t\.|terv\.?|terveisin|hälsningar|mvh|hilsen|lg|mfg|gruß|grüße|pozdrawiam|"
    r"pozdrowienia|cheers|regards|thanks|thank you|br|best|bye|ciao|saludos|cordialement|groetjes|groeten|"
    r"с уважением|спасибо|ar cieņu|pagarbiai|lugupidamisega|tervitades|obrigado|obrigada|grazie|merci|gracias|"
    r"kiitos|tack|danke|dziękuję|díky|děkuji|ačiū|aitäh|paldies)[,:]?\s*"
    r"(?P<v>[^\W\d_][\w'’\-]*(?:\s+[^\W\d_][\w'’\-]*)?)\s*[.!]*\s*$",
    re.IGNORECASE,
)

# Words that never start or make a name/handle/place value, in any of the languages.
_FUNCTION_WORDS_EXTRA = frozenset(
    """i me my mine we us our you your he him his she her they them their it its a an the this that these those
    is was were be been am are not no yes and or but so then also just only very too there here what who how
    which when where why on in at to of for with from by as about after before into over under up down out off
    again all any some many much more most other such own same than can will would could should may might must
    did do does done had has have having get got going went go being because if while until since though
    someone somebody nobody anyone everyone something nothing anything everything one two three first last
    next new old other another each every both either neither now later soon never always often sometimes
    really already still ever once ok okay oh well yeah please thanks thank sorry hi hello hey dear
    monday tuesday wednesday thursday friday saturday sunday january february march april june july august
    september october november december christmas easter weekend weekends night nights morning evening
    """.split()
)


@functools.lru_cache(maxsize=32)
def _stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop-word list for ``lang`` (offline: shipped inside spaCy), plus a few English words."""
    words: set[str] = set(_FUNCTION_WORDS_EXTRA)
    try:
        import importlib

        mod = importlib.import_module(f"spacy.lang.{ {'nb': 'nb', 'no': 'nb'}.get(lang, lang)}.stop_words")
        words.update(w.casefold() for w in mod.STOP_WORDS)
    except Exception:  # a language spaCy has no list for
        pass
    # English words are common inside every language's answers ("VPN", "Tor", "I", "my").
    if lang != "en":
        words.update(_stop_words("en"))
    # cue words themselves are not values ("my wife, my son")
    for kind in CUES.get(lang, {}).values():
        for phrase in kind:
            words.update(phrase.split())
    return frozenset(words)


def is_function_word(word: str, lang: str) -> bool:
    """Whether ``word`` is a stop word of ``lang`` or English (never a name, place or handle on its own)."""
    return word.casefold().strip("'’") in _stop_words(lang)


@functools.lru_cache(maxsize=64)
def _cue_regex(lang: str) -> re.Pattern[str]:
    groups = []
    table = dict(CUES.get(lang, {}))
    if lang != "en":  # English carriers appear inside answers in every language
        for kind, phrases in CUES["en"].items():
            table[kind] = tuple(table.get(kind, ())) + tuple(p for p in phrases if len(p) > 3)
    for kind, phrases in table.items():
        alts = sorted({re.escape(p).replace(r"\ ", r"\s+") for p in phrases}, key=len, reverse=True)
        groups.append(f"(?P<{kind}>{'|'.join(alts)})")
    return re.compile(r"(?<![\w@/])(?:" + "|".join(groups) + r")(?![\w])", re.IGNORECASE)


def cue_matches(text: str, lang: str) -> list[tuple[str, int, int]]:
    """Every cue phrase in ``text`` as ``(kind, start, end)``; kind is "handle", "name" or "place"."""
    return [(m.lastgroup or "", m.start(), m.end()) for m in _cue_regex(_norm(lang)).finditer(text)]


def _norm(lang: str | None) -> str:
    lang = (lang or "en").lower()
    return {"no": "nb", "nn": "nb"}.get(lang, lang)


# What may stand between a cue and its value. Handles: a copula or colon, possibly after a few
# words ("my nickname on that forum was X", "nimimerkkini foorumilla oli X"), else nothing.
_COPULA = (r"(?:was|is|were|became|used\s+to\s+be|oli|on|olen|var|är|er|war|ist|lautet|lautete|era|es|fue|"
           r"était|est|c'est|é|foi|è|to|jest|był|była|było|bija|ir|buvo|yra|oli|был|была|было|это|byl|byla|je|"
           r"ble|blev|werd|wordt|as)")
_BRIDGE = {
    "handle": re.compile(
        r"(?:(?:\s+[^\s:=,.;!?]+){0,3}?\s+" + _COPULA + r"(?![\w])\s*(?:[:=\-–—]\s*)?|\s*[:=\-–—]\s*|\s+)"
        r"[\"'“‘«(\[<]?",
        re.IGNORECASE,
    ),
    "name": re.compile(r"(?:\s*[,:\-–—]?\s*)(?:(?:is|was|called|named|heter|hedder|heißt|heet|se\s+llama|"
                       r"s'appelle|chamado|chamada|si\s+chiama|nimeltä|nimeltään|nimega|vārdā|vardu|по\s+имени|"
                       r"на\s+ім'я|ma\s+na\s+imię|jménem)\s+)?[\"'“‘«]?", re.IGNORECASE),
    "place": re.compile(r"(?:\s*[,:]?\s*)(?:(?:the|der|die|das|la|le|el|a|o|de|di|du|del|della)\s+)?[\"'“‘«]?",
                        re.IGNORECASE),
}
_HANDLE_VALUE = re.compile(_HANDLE_TOKEN)
# "call me X", "known as X", "меня звали X": the value follows at once.
_DIRECT_BRIDGE = re.compile(r"\s*(?:[:=\-–—]\s*)?[\"'“‘«(\[<]?")
_DIRECT_CUE_ENDS = frozenset(
    """me as by mnie mind mig meg mich moi minua mani mane меня мене mi kā kaip kui como comme come als som jako как
    як nimellä""".split()
)
_WORD_AT = re.compile(r"[^\W\d_][\w'’\-]*")


def lexical_spans(
    text: str,
    lang: str | None,
    allow: AllowList,
    *,
    ner_language: bool = False,
    lexicon: Lexicon | None = None,
) -> list[DetectedSpan]:
    """Handle, person and place spans found from cues and lexicons in one answer.

    ``ner_language`` says a NER pipeline also reads this answer (English):
    capitalised words mid-sentence are then left to it and to the lexicon,
    not to the capitalised-word rule.
    """
    lang = _norm(lang)
    lex = lexicon or get_lexicon()
    out: list[DetectedSpan] = []
    out.extend(_cue_spans(text, lang, allow, lex))
    out.extend(_sign_off(text, lang, allow, lex))
    out.extend(_lexicon_spans(text, lang, allow, lex, ner_language=ner_language))
    return out


def _cue_spans(text: str, lang: str, allow: AllowList, lex: Lexicon) -> Iterable[DetectedSpan]:
    for m in _cue_regex(lang).finditer(text):
        kind = m.lastgroup or ""
        direct = kind == "handle" and m.group().split()[-1].casefold() in _DIRECT_CUE_ENDS
        bridge = (_DIRECT_BRIDGE if direct else _BRIDGE[kind]).match(text, m.end())
        pos = bridge.end() if bridge else m.end()
        if kind == "handle":
            v = _HANDLE_VALUE.match(text, pos)
            if not v:
                continue
            value = v.group().rstrip(".-")
            end = v.start() + len(value)
            if (len(value) < 2 or is_function_word(value, lang) or allow.is_allowed(value)
                    or allow.is_platform_inflection(value) or _ordinary_word(text, v.start(), value)):
                continue
            out_type = "USERNAME"
            yield DetectedSpan(out_type, v.start(), end, 0.85, "twoknow.cue_handle.v1")
            continue
        words = _value_words(text, pos, lang, allow, lex, kind)
        if words:
            etype = "PERSON" if kind == "name" else "LOCATION"
            yield DetectedSpan(etype, words[0], words[1], 0.7, f"twoknow.cue_{kind}.v1")


def _ordinary_word(text: str, start: int, value: str) -> bool:
    """A plain lowercase word after a handle cue ("my username was deleted"), unless quoted."""
    if start > 0 and text[start - 1] in "\"'“‘«(":
        return False
    if not value.isalpha() or not value.islower():
        return False
    return value in _NOT_A_VALUE or english_zipf(value) >= 3.5


#: Words that follow "my nickname was" in other languages without being a nickname.
_NOT_A_VALUE = frozenset(
    """poistettu salainen sama eri anonyymi raderat hemligt samma anonymt gelöscht geheim anonym borrado secreto
    anónimo удален удалён supprimé secret anonyme cancellato segreto anonimo apagado anónimo verwijderd geheim
    usunięty tajny anonimowy kustutatud salajane dzēsts slepens ištrintas slaptas smazaný tajný видалений""".split()
)


def _value_words(text: str, pos: int, lang: str, allow: AllowList, lex: Lexicon, kind: str) -> tuple[int, int] | None:
    """The name/place right after a cue: up to three words that look like one (or None)."""
    start = end = None
    first_cap = False
    n = 0
    while n < 3:
        w = _WORD_AT.match(text, pos)
        if not w:
            break
        word = w.group().rstrip("'’-")
        if is_function_word(word, lang) or allow.is_allowed(word) or allow.is_platform_inflection(word):
            break
        entry = lex.lookup(word, lang)
        cap = word[0].isupper()
        if n == 0:
            if kind == "name":
                ok = cap or (entry is not None and entry.is_name and not entry.lower_is_word)
            else:
                ok = (cap and not word.isupper()) or (entry is not None and entry.is_place and not entry.lower_is_word)
            if not ok:
                return None
            first_cap = cap
        elif first_cap and not cap:
            break  # "Sabine weiß": a capitalised name goes on only with capitalised words
        elif not (cap or (entry is not None and (entry.is_name if kind == "name" else entry.is_place))):
            break
        start = w.start() if start is None else start
        end = w.start() + len(word)
        n += 1
        nxt = re.match(r"[ \t]+|-", text[end:end + 3])
        if not nxt:
            break
        pos = end + nxt.end()
    return (start, end) if start is not None else None


def _sign_off(text: str, lang: str, allow: AllowList, lex: Lexicon) -> Iterable[DetectedSpan]:
    m = _SIGN_OFF.search(text[-80:]) if len(text) > 3 else None
    if not m:
        return
    offset = max(0, len(text) - 80)
    value = m.group("v")
    first = value.split()[0]
    if is_function_word(first, lang) or allow.is_allowed(first) or allow.is_platform_inflection(first):
        return
    entry = lex.lookup(first, lang)
    if not (first[0].isupper() or (entry is not None and entry.is_name)):
        return
    # "- Thanks" / "- Nothing else" are not names: an unknown word must at least be capitalised and rare
    if entry is None and lex.zipf(first, lang) >= 4.0:
        return
    if entry is not None and not entry.is_name and not entry.is_place:
        return
    start = offset + m.start("v")
    yield DetectedSpan("PERSON", start, start + len(value), 0.7, "twoknow.sign_off.v1")


def _sentence_initial(text: str, start: int) -> bool:
    return start == 0 or bool(_SENT_BREAK.search(text, 0, start)) or not text[:start].strip()


def _lexicon_spans(text: str, lang: str, allow: AllowList, lex: Lexicon, *, ner_language: bool) -> Iterable[DetectedSpan]:
    """Words the lexicon knows as names or places, where their position and rarity make them likely."""
    for m in WORD.finditer(text):
        word = m.group()
        if len(word) < 3 or is_function_word(word, lang):
            continue
        entry = lex.lookup(word, lang)
        if entry is None:
            continue
        if allow.is_allowed(word) or allow.is_platform_inflection(word):
            continue
        etype = _judge(text, m.start(), word, entry, lang, lex, ner_language=ner_language)
        if etype:
            yield DetectedSpan(etype, m.start(), m.end(), 0.6, "twoknow.lexicon.v1")


def _judge(text: str, start: int, word: str, e: LexiconEntry, lang: str, lex: Lexicon, *, ner_language: bool) -> str | None:
    """PERSON, LOCATION or None for a lexicon hit, from case, position and how common the word is.

    ``z`` is how common the lemma is as an ordinary word in the answer's
    language, ``zmax`` the most common it is in any language (so that a
    Swedish "Mitt" or Spanish "Una" in a short answer taken for English is
    still a word), ``z_form`` how common the inflected form itself is in
    English ("bed", "logs" are forms of place names somewhere).
    """
    z = lex.zipf(e.lemma, lang)
    zmax = lex.max_zipf(e.lemma)
    z_en = lex.zipf(e.lemma, "en")
    z_form = english_zipf(word.casefold()) if e.inflected else z_en
    if word.isupper() and len(word) <= 4:
        return None  # IP, VPN, ISP, USB: acronyms
    big_place = e.population >= 15000
    place_type = "LOCATION" if e.is_place and (not e.given or e.population >= 100000 or e.inflected) else None
    etype = place_type or ("PERSON" if e.is_name else "LOCATION")
    if z_form >= 3.5:
        return None  # an English word that happens to be a form of a name or place somewhere
    if word[0].islower():
        if e.inflected and not e.lower_is_word and e.population >= 5000:
            return "LOCATION"
        if e.given and zmax < 4.5 and z_en < 3.0 and len(word) >= 4:
            return "PERSON"
        if e.is_place and e.population >= 100000 and zmax < 4.5 and z_en < 3.0 and len(word) >= 4:
            return "LOCATION"
        return None
    if e.inflected and not e.lower_is_word:
        return etype if (e.is_place and e.population >= 5000) or e.given else None
    initial = _sentence_initial(text, start)
    if initial:
        if e.given and zmax < 4.8:
            return "PERSON" if not (e.is_place and big_place and e.population > 100000) else etype
        if e.is_place and big_place and zmax < 4.5:
            return etype
        # a city is common in its own language because it is a city ("Tampere", "Helsinki")
        if e.is_place and e.population >= 100000 and z_en < 4.5 and z < 6.0:
            return etype
        return None
    noun_caps = lang in ("de", "lb")  # German capitalises every noun
    limit = 4.5 if not noun_caps or e.given or (e.is_place and big_place) else 3.5
    common = max(z, z_en) if ner_language or noun_caps else z
    if common < limit and zmax < 5.5 and (e.given or e.is_place or e.surname):
        return etype
    return None
