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

__all__ = ["CUES", "CUE_KINDS", "CUE_WORDS", "lexical_spans", "cue_matches", "is_function_word"]

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
        "handle": ("i was called", "i'm called", "i called myself", "went by the name", "my nick is", "name on there was", "nickname", "nick", "username", "user name", "user id", "handle", "screen name", "alias",
                   "gamertag", "display name", "login", "account name", "online name", "known as", "went by",
                   "go by", "goes by", "called me", "call me", "calls me", "they knew me as", "pseudonym",
                   "my id", "id is", "tag is"),
        "name": ("wife", "husband", "son", "daughter", "brother", "sister", "mother", "mom", "mum", "father", "dad",
                 "friend", "girlfriend", "boyfriend", "partner", "fiancé", "fiancée", "uncle", "aunt", "cousin",
                 "colleague", "coworker", "co-worker", "boss", "therapist", "counsellor", "counselor", "psychologist",
                 "psychiatrist", "social worker", "nurse", "teacher", "pastor", "priest", "supervisor",
                 "doctor", "neighbour", "neighbor", "roommate", "flatmate", "ex", "stepdad", "stepmom", "grandma",
                 "grandpa", "grandmother", "grandfather", "named", "my name is", "my name's", "i am called",
                 "i'm called", "name was", "name is", "mr", "mrs", "ms", "dr", "miss", "talked to", "told",
                 "spoke to", "spoke with", "met"),
        "place": ("live in", "lived in", "living in", "live near", "moved to", "moved from", "grew up in",
                  "born in", "based in", "from", "town of", "city of", "village of", "near", "stay in",
                  "staying in", "work in", "working in"),
    },
    "fi": {
        "handle": ("olin nimeltäni", "nimensä on", "nimeni oli", "käytin nimimerkkiä", "käyttäjänimellä", "nimimerkkiä", "nimimerkki", "nimimerkkini", "nimimerkillä", "nimimerkkinä", "käyttäjänimi", "käyttäjänimeni",
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
        "handle": ("jag hette", "hette jag", "heter jag", "jag kallade mig", "kallade mig för", "smeknamn", "smeknamnet", "användarnamn", "användarnamnet", "alias", "nick", "kalla mig",
                   "kallade mig", "känd som", "kallad"),
        "name": ("fru", "frun", "hustru", "make", "maken", "son", "sonen", "dotter", "dottern", "bror", "brodern",
                 "syster", "systern", "mamma", "pappa", "vän", "vännen", "kompis", "kompisen", "flickvän", "pojkvän",
                 "sambo", "kollega", "chef", "terapeut", "psykolog", "kurator", "läkare", "granne", "grannen", "som heter", "heter", "jag heter",
                 "mitt namn är", "kusin"),
        "place": ("bor i", "bodde i", "bor nära", "kommer från", "flyttade till", "flyttade från", "växte upp i",
                  "född i", "från"),
    },
    "da": {
        "handle": ("jeg hed", "hed jeg", "hedder jeg", "kaldte mig selv", "kaldenavn", "brugernavn", "alias", "nick", "kald mig", "kaldte mig", "kendt som"),
        "name": ("kone", "konen", "mand", "manden", "søn", "datter", "bror", "søster", "mor", "far", "ven", "veninde",
                 "kæreste", "kollega", "chef", "terapeut", "psykolog", "læge", "nabo", "hedder", "jeg hedder", "mit navn er", "fætter",
                 "kusine"),
        "place": ("bor i", "boede i", "kommer fra", "flyttede til", "voksede op i", "født i", "fra"),
    },
    "nb": {
        "handle": ("jeg het", "het jeg", "heter jeg", "kalte meg selv", "kallenavn", "brukernavn", "alias", "nick", "kall meg", "kalte meg", "kjent som"),
        "name": ("samboeren", "kjæresten", "kona", "kone", "mannen", "mann", "sønn", "datter", "bror", "søster", "mor", "far", "venn",
                 "venninne", "kjæreste", "samboer", "kollega", "sjef", "terapeut", "psykolog", "lege", "nabo", "heter", "jeg heter",
                 "mitt navn er", "fetter", "kusine"),
        "place": ("bor i", "bodde i", "kommer fra", "flyttet til", "vokste opp i", "født i", "fra"),
    },
    "de": {
        "handle": ("hieß ich", "heiße ich", "ich hieß", "nannte mich", "nenne mich", "unter dem namen", "spitzname", "spitznamen", "benutzername", "benutzernamen", "nutzername", "nutzernamen",
                   "nickname", "nick", "alias", "nenn mich", "nannten mich", "bekannt als", "pseudonym"),
        "name": ("frau", "ehefrau", "mann", "ehemann", "sohn", "tochter", "bruder", "schwester", "mutter", "mama",
                 "vater", "papa", "freund", "freundin", "partner", "partnerin", "kollege", "kollegin", "chef",
                 "chefin", "therapeut", "therapeutin", "nachbar", "nachbarin", "namens", "heiße", "ich heiße",
                 "mein name ist", "cousin", "cousine", "onkel", "tante", "herr", "herrn"),
        "place": ("wohne in", "wohnte in", "lebe in", "lebte in", "komme aus", "kam aus", "zog nach", "ziehe nach",
                  "aufgewachsen in", "geboren in", "aus", "in der nähe von", "nahe"),
    },
    "fr": {
        "handle": ("je m'appelais", "je me faisais appeler", "sous le nom de", "sous le pseudo", "pseudo", "surnom", "nom d'utilisateur", "identifiant", "alias", "appelle-moi", "appelez-moi",
                   "m'appelaient", "m'appelait", "connu sous le nom de", "connu comme", "connue comme"),
        "name": ("femme", "mari", "fils", "fille", "frère", "sœur", "soeur", "mère", "maman", "père", "papa", "ami",
                 "amie", "copain", "copine", "compagnon", "compagne", "collègue", "patron", "thérapeute", "voisin",
                 "voisine", "nommé", "nommée", "je m'appelle", "m'appelle", "mon nom est", "cousin", "cousine",
                 "monsieur", "madame", "psy", "psychologue", "psychiatre", "médecin"),
        "place": ("j'habite à", "habite à", "j'habite", "habite", "je vis à", "vis à", "je viens de", "originaire de",
                  "déménagé à", "grandi à", "né à", "née à", "près de"),
    },
    "es": {
        "handle": ("me llamaba", "me hacía llamar", "con el nombre de", "bajo el nombre de", "apodo", "nombre de usuario", "usuario", "alias", "nick", "llámame", "me llamaban",
                   "conocido como", "conocida como", "seudónimo"),
        "name": ("esposa", "esposo", "mujer", "marido", "hijo", "hija", "hermano", "hermana", "madre", "mamá", "padre",
                 "papá", "amigo", "amiga", "novia", "novio", "pareja", "compañero", "compañera", "colega", "jefe",
                 "jefa", "terapeuta", "psicóloga", "psicólogo", "psiquiatra", "médico", "médica", "vecino", "vecina", "llamado", "llamada", "me llamo", "mi nombre es", "primo",
                 "prima", "tío", "tía", "señor", "señora"),
        "place": ("vivo en", "vivía en", "soy de", "me mudé a", "crecí en", "nací en", "cerca de"),
    },
    "pt": {
        "handle": ("chamava-me", "eu me chamava", "com o nome de", "sob o nome de", "apelido", "alcunha", "nome de usuário", "nome de utilizador", "usuário", "utilizador", "nick",
                   "alias", "me chamavam", "chama-me", "conhecido como", "conhecida como"),
        "name": ("esposa", "esposo", "mulher", "marido", "filho", "filha", "irmão", "irmã", "mãe", "pai", "amigo",
                 "amiga", "namorada", "namorado", "companheiro", "companheira", "colega", "chefe", "terapeuta",
                 "vizinho", "vizinha", "chamado", "chamada", "psicóloga", "psicólogo", "psiquiatra", "médico", "médica", "me chamo", "chamo-me", "meu nome é", "primo", "prima",
                 "senhor", "senhora"),
        "place": ("moro em", "moro no", "moro na", "vivo em", "vivo no", "vivo na", "sou de", "sou do", "sou da",
                  "mudei para", "mudei-me para", "cresci em", "nasci em", "perto de"),
    },
    "it": {
        "handle": ("mi chiamavo", "mi facevo chiamare", "con il nome di", "col nome", "soprannome", "nome utente", "nickname", "nick", "alias", "chiamami", "mi chiamavano",
                   "conosciuto come", "conosciuta come", "pseudonimo"),
        "name": ("moglie", "marito", "figlio", "figlia", "fratello", "sorella", "madre", "mamma", "padre", "papà",
                 "amico", "amica", "fidanzata", "fidanzato", "compagno", "compagna", "collega", "capo", "terapeuta",
                 "vicino", "vicina", "chiamato", "chiamata", "psicologa", "psicologo", "terapista", "medico", "mi chiamo", "il mio nome è", "cugino", "cugina",
                 "signor", "signora"),
        "place": ("abito a", "abito in", "vivo a", "vivo in", "sono di", "trasferito a", "trasferita a",
                  "cresciuto a", "cresciuta a", "nato a", "nata a", "vicino a"),
    },
    "nl": {
        "handle": ("heette ik", "heet ik", "ik heette", "noemde mezelf", "onder de naam", "bijnaam", "gebruikersnaam", "nickname", "nick", "alias", "noem me", "noemden me", "bekend als"),
        "name": ("vrouw", "man", "zoon", "dochter", "broer", "zus", "moeder", "mama", "vader", "papa", "vriend",
                 "vriendin", "partner", "collega", "baas", "therapeut", "buurman", "buurvrouw", "genaamd", "heet",
                 "ik heet", "mijn naam is", "neef", "nicht", "meneer", "mevrouw"),
        "place": ("woon in", "woonde in", "kom uit", "kwam uit", "verhuisd naar", "opgegroeid in", "geboren in",
                  "vlakbij", "uit"),
    },
    "pl": {
        "handle": ("nazywałem się", "nazywałam się", "pod nickiem", "pod pseudonimem", "jako", "ksywa", "ksywka", "ksywą", "ksywką", "ksywę", "ksywkę", "pseudonim", "pseudonimem", "nick",
                   "nickiem", "nazwa użytkownika", "login", "loginem", "mów mi", "nazywali mnie", "znany jako",
                   "znana jako"),
        "name": ("żona", "żoną", "mąż", "mężem", "syn", "synem", "córka", "córką", "brat", "bratem", "siostra",
                 "siostrą", "mama", "mamą", "matka", "tata", "ojciec", "przyjaciel", "przyjaciółka", "kolega",
                 "koleżanka", "dziewczyna", "chłopak", "partner", "partnerka", "szef", "terapeuta", "terapeutka",
                 "sąsiad", "sąsiadka", "ma na imię", "ma na imie", "mam na imie", "psycholog", "psycholożka", "lekarz", "lekarka", "imieniu", "nazywam się", "mam na imię", "kuzyn", "kuzynka", "pan", "pani",
                 "panem", "panią"),
        "place": ("mieszkam w", "mieszkam we", "mieszkałem w", "mieszkałam w", "jestem z", "pochodzę z",
                  "przeprowadziłem się do", "przeprowadziłam się do", "wychowałem się w", "wychowałam się w",
                  "urodziłem się w", "urodziłam się w", "koło", "pod", "niedaleko"),
    },
    "et": {
        "handle": ("minu nimi oli", "mu nimi oli", "nime all", "kasutasin nime", "hüüdnimi", "hüüdnimeks", "kasutajanimi", "kasutajanimeks", "nimi", "nimeks", "nick", "alias",
                   "kutsu mind", "kutsuti mind", "kutsuti", "tuntud kui"),
        "name": ("naine", "abikaasa", "mees", "poeg", "tütar", "vend", "õde", "ema", "isa", "sõber", "sõbranna",
                 "tüdruksõber", "poiss-sõber", "elukaaslane", "kolleeg", "ülemus", "terapeut", "naaber", "nimega",
                 "minu nimi on", "mu nimi on", "nõbu"),
        "place": ("elan", "elasin", "elame", "pärit", "kolisin", "kasvasin üles", "sündisin", "lähedal"),
    },
    "lv": {
        "handle": ("mani sauca", "ar vārdu", "ar segvārdu", "segvārds", "segvārdu", "lietotājvārds", "lietotājvārdu", "iesauka", "iesauku", "niks", "alias",
                   "sauc mani", "sauca mani", "pazīstams kā", "pazīstama kā"),
        "name": ("sieva", "vīrs", "dēls", "meita", "brālis", "māsa", "māte", "mamma", "tēvs", "tētis", "draugs",
                 "draudzene", "partneris", "partnere", "kolēģis", "kolēģe", "priekšnieks", "terapeits", "terapeite", "psihologs", "psiholoģe", "ārsts", "ārste", "kaimiņš",
                 "kaimiņiene", "vārdā", "mani sauc", "mans vārds ir", "brālēns", "māsīca"),
        "place": ("dzīvoju", "dzīvojam", "dzīvoju netālu no", "esmu no", "nāku no", "pārcēlos uz", "uzaugu",
                  "dzimu", "netālu no"),
    },
    "lt": {
        "handle": ("mane vadino", "vardu", "slapyvardžiu", "slapyvardis", "slapyvardį", "slapyvardžiu", "vartotojo vardas", "vartotojo vardą", "pravardė",
                   "pravardę", "nikas", "alias", "vadink mane", "vadino mane", "žinomas kaip", "žinoma kaip"),
        "name": ("žmona", "vyras", "sūnus", "dukra", "duktė", "brolis", "sesuo", "mama", "motina", "tėtis", "tėvas",
                 "draugas", "draugė", "mergina", "vaikinas", "partneris", "partnerė", "kolega", "kolegė", "viršininkas",
                 "terapeutas", "kaimynas", "kaimynė", "vardu", "mano vardas", "mane vadina", "pusbrolis",
                 "pusseserė"),
        "place": ("gyvenu", "gyvenau", "gyvename", "esu iš", "kilęs iš", "kilusi iš", "persikėliau į", "užaugau",
                  "gimiau", "netoli"),
    },
    "ru": {
        "handle": ("меня звали", "под ником", "под именем", "звался", "ник", "ником", "никнейм", "никнеймом", "псевдоним", "псевдонимом", "логин", "логином",
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
        "handle": ("мене звали", "під ніком", "під іменем", "нік", "ніком", "псевдонім", "логін", "прізвисько", "клич мене", "називали мене", "відомий як"),
        "name": ("дружина", "чоловік", "син", "донька", "дочка", "брат", "сестра", "мама", "мати", "тато", "батько",
                 "друг", "подруга", "дівчина", "хлопець", "колега", "начальник", "терапевт", "сусід", "сусідка",
                 "на ім'я", "мене звати", "моє ім'я"),
        "place": ("живу в", "живу у", "жив у", "жила в", "я з", "родом з", "переїхав до", "переїхала до",
                  "виріс у", "виросла в"),
    },
    "cs": {
        "handle": ("jmenoval jsem se", "jmenovala jsem se", "pod přezdívkou", "pod jménem", "přezdívka", "přezdívku", "uživatelské jméno", "nick", "alias", "říkej mi", "říkali mi",
                   "známý jako", "známá jako"),
        "name": ("manželka", "manžel", "syn", "dcera", "bratr", "sestra", "máma", "matka", "táta", "otec", "kamarád",
                 "kamarádka", "přítel", "přítelkyně", "kolega", "kolegyně", "šéf", "terapeut", "soused", "sousedka",
                 "jménem", "jmenuji se", "jmenuju se", "mé jméno je"),
        "place": ("bydlím v", "bydlím ve", "žiju v", "žiju ve", "jsem z", "pocházím z", "přestěhoval jsem se do",
                  "vyrostl jsem v", "narodil jsem se v", "nedaleko"),
    },
}
CUES["no"] = CUES["nb"]
#: The kinds of cue: what follows the phrase.
CUE_KINDS = ("handle", "name", "place")
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
        alts = sorted({re.escape(p).replace(r"\ ", r"\s+").replace("'", "['’]") for p in phrases}, key=len,
                      reverse=True)
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
           r"ble|blev|werd|wordt|as|była|buvo|bija|knew|knows|told|said|helped|was|wusste|visste|vidste|sabía|sabia|"
           r"sapeva|savait|wist|wiedział|wiedziała|tiesi|teadis|zināja|žinojo|знал|знала|byla|byl|була|був)")
_BRIDGE = {
    "name": re.compile(r"(?:\s*[,:\-–—]?\s*)(?:(?:is|was|called|named|heter|hedder|heißt|heet|se\s+llama|"
                       r"s'appelle|chamado|chamada|si\s+chiama|nimeltä|nimeltään|nimega|vārdā|vardu|по\s+имени|"
                       r"на\s+ім'я|ma\s+na\s+imię|jménem)\s+)?[\"'“‘«]?", re.IGNORECASE),
    "place": re.compile(r"(?:\s*[,:]?\s*)(?:(?:the|der|die|das|la|le|el|a|o|de|di|du|del|della)\s+)?[\"'“‘«]?",
                        re.IGNORECASE),
}
_HANDLE_VALUE = re.compile(_HANDLE_TOKEN)
_WORD_AT = re.compile(r"[^\W\d_][\w'’\-]*")


#: "I am / I was / I'm called" in the survey languages, as said of oneself on a platform or forum.
_SELF = (r"i'm|i\s+am|i\s+was|im|är\s+jag|var\s+jag|heter\s+jag|hette\s+jag|er\s+jeg|var\s+jeg|hedder\s+jeg|"
         r"heter\s+jeg|het\s+jeg|bin\s+ich|war\s+ich|heiße\s+ich|hieß\s+ich|je\s+suis|j['’]étais|"
         r"je\s+m['’]appelle|je\s+m['’]appelais|soy|fui|me\s+llamo|me\s+llamaba|sou|sono|ero|mi\s+chiamo|"
         r"ben\s+ik|was\s+ik|heet\s+ik|heette\s+ik|jestem|byłem|byłam|olen|olin|esmu|biju|esu|buvau|"
         r"я\s+был|я\s+была|я|я\s+був|я\s+була|jsem|byl\s+jsem|byla\s+jsem")
_PLACE_OF_POSTING = (r"forum\w*|foorumi\w*|foorum\w*|chat\w*|server\w*|serveri\w*|site|sivusto\w*|форум\w*|"
                     r"сайт\w*|чат\w*|fórum\w*|fora|discord\w*|telegram\w*|reddit\w*|kik|wickr|session|"
                     r"signal|element|matrix|threema|snapchat|instagram|whatsapp|skype|steam|tumblr|twitter|tiktok")
_PLATFORM_FRAME = re.compile(
    r"(?<![\w])(?:(?:on|in|at|auf|bei|im|sur|dans|på|i|op|en|em|no|na|w|we|в|на|у|v|ve|su|nel|sul)\s+)?"
    r"(?:(?:the|le|la|het|dem|der|die|das|el|o|il|lo)\s+)?(?:" + _PLACE_OF_POSTING + r")(?![\w])\s*,?\s*"
    r"(?:" + _SELF + r")\s+",
    re.IGNORECASE,
)
#: Prepositions that put a place after them ("in norwich", "i östersund", "w gdańsku", "в москве"),
#: per language; English ones count in every language.
_PLACE_PREPOSITIONS = {
    "en": frozenset("in from near at".split()), "sv": frozenset("i från på".split()),
    "da": frozenset("i fra på".split()), "nb": frozenset("i fra på".split()),
    "de": frozenset("in im aus bei nach".split()), "fr": frozenset("à a au de du".split()),
    "es": frozenset("en de desde".split()), "pt": frozenset("em no na de do da".split()),
    "it": frozenset("a in di da".split()), "nl": frozenset("in uit bij te".split()),
    "pl": frozenset("w we z ze do pod koło".split()), "lt": frozenset("iš į".split()),
    "ru": frozenset("в во из под у".split()), "uk": frozenset("в у з до".split()),
    "cs": frozenset("v ve z ze u".split()),
}
_PARTICLE_WORDS = frozenset("van von der den de del della da di la le du bin ibn al el af av ten ter".split())


# A token shaped like a handle: letters with digits ("zorro53", "nattugle50"), underscores
# ("torbjørn_1986", "_coruja_"), dotted words ("lisek.sowa.77", "yannick.rousseau"), "u/name",
# or decorations ("xxnachtuilxx", "xX_name_Xx").
_HANDLE_SHAPE = re.compile(
    r"(?<![\w@/.\-])(?:u/[\w\-]{2,}|_*[^\W\d_][\w]*(?:[._][\w]+)+_*|_[\w]+_?|[^\W\d_]{3,}\d{1,4}|"
    r"xx[^\W\d_]{3,}xx)(?![\w@]|[.\-/][\w])",
    re.IGNORECASE,
)
#: Letters-and-digits words that are not handles.
_NOT_HANDLE_SHAPE = re.compile(
    r"^(?:mp\d|ps\d|win\d+|covid\d*|h26\d|x26\d|ipv\d|v\d+|iphone\d*|web\d|wifi\d*|[a-z]+\d{2}s|\d.*)$",
    re.IGNORECASE,
)
_FILE_OR_DOMAIN = re.compile(r"\.(?:com|org|net|fi|se|de|ru|io|me|onion|txt|jpg|png|pdf|exe|html?|zip|mp4|mp3|gif)$",
                             re.IGNORECASE)


def _handle_shapes(text: str, allow: AllowList) -> Iterable[DetectedSpan]:
    """Tokens shaped like a username wherever they stand (no cue needed)."""
    for m in _HANDLE_SHAPE.finditer(text):
        value = m.group()
        if _NOT_HANDLE_SHAPE.match(value) or _FILE_OR_DOMAIN.search(value) or allow.is_allowed(value) \
                or allow.is_platform_inflection(value.split(".")[0]):
            continue
        if "." in value and not any(c.isdigit() or c == "_" for c in value):
            # "name.surname": two or three lowercase word parts, none a one-letter abbreviation ("e.g")
            parts = value.split(".")
            if len(parts) > 3 or any(len(p) < 2 for p in parts) or not value.islower():
                continue
        yield DetectedSpan("USERNAME", m.start(), m.end(), 0.6, "twoknow.cue_handle.v1")


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
    out.extend(_platform_frames(text, lang, allow, lex))
    out.extend(_handle_shapes(text, allow))
    out.extend(_sign_off(text, lang, allow, lex))
    out.extend(_lexicon_spans(text, lang, allow, lex, ner_language=ner_language))
    return out


def _cue_spans(text: str, lang: str, allow: AllowList, lex: Lexicon) -> Iterable[DetectedSpan]:
    for m in _cue_regex(lang).finditer(text):
        kind = m.lastgroup or ""
        bridge = _BRIDGE[kind].match(text, m.end()) if kind != "handle" else None
        pos = bridge.end() if bridge else m.end()
        if kind == "handle":
            start, sure = _handle_value_start(text, m.end(), lang, allow)
            v = _HANDLE_VALUE.match(text, start)
            if not v:
                continue
            value = v.group().rstrip(".-")
            end = v.start() + len(value)
            if (len(value) < 2 or is_function_word(value, lang) or allow.is_allowed(value)
                    or allow.is_platform_inflection(value) or _ordinary_word(text, v.start(), value, lang, lex)):
                continue
            if not sure and value.isalpha() and value.islower() and lex.is_word(value, lang):
                continue  # "Benutzernamen waren zufällig": no copula or colon, and an ordinary word
            out_type = "USERNAME"
            yield DetectedSpan(out_type, v.start(), end, 0.85, "twoknow.cue_handle.v1")
            continue
        words = _value_words(text, pos, lang, allow, lex, kind)
        if words:
            etype = "PERSON" if kind == "name" else "LOCATION"
            yield DetectedSpan(etype, words[0], words[1], 0.7, f"twoknow.cue_{kind}.v1")


_OPENERS = " \t\"'“‘«([<"
_COPULA_RE = re.compile(r"(?:" + _COPULA + r")$", re.IGNORECASE)
_GAP = re.compile(r"\s*[:=\-–—]?\s*[\"'“‘«(\[<]?")


def _handle_value_start(text: str, pos: int, lang: str, allow: AllowList) -> tuple[int, bool]:
    """Where the value after a handle cue starts, and whether a copula or colon announced it.

    Up to three words may come between the cue and a copula or colon ("my
    nickname on that forum was X", "nimimerkkini foorumilla oli X"), but only
    function words, platform names and words for a forum; any other word is
    the value itself ("call me X", "hieß ich X").
    """
    start = _GAP.match(text, pos).end()
    if text[pos:start].strip(_OPENERS):  # a colon or dash: the value follows
        return start, True
    cur = pos
    for _ in range(4):
        gap = _GAP.match(text, cur)
        w = _WORD_AT.match(text, gap.end())
        if not w:
            return start, False
        word = w.group()
        if _COPULA_RE.match(word):
            return _GAP.match(text, w.end()).end(), True
        if text[cur : gap.end()].strip(_OPENERS):
            return gap.end(), True
        if not (is_function_word(word, lang) or allow.is_allowed(word) or allow.is_platform_inflection(word)
                or re.fullmatch(_PLACE_OF_POSTING, word, re.IGNORECASE)):
            return (start, True) if cur == pos else (gap.end(), False)
        cur = w.end()
    return start, False


def _ordinary_word(text: str, start: int, value: str, lang: str, lex: Lexicon) -> bool:
    """A plain lowercase word after a handle cue ("my username was deleted", "eram"), unless quoted."""
    if start > 0 and text[start - 1] in "\"'“‘«(":
        return False
    if not value.isalpha() or not value.islower():
        return False
    from .recognizers import _NOT_A_NAME  # Presidio is loaded by then (the engine runs)

    if value in _NOT_A_VALUE or value in _NOT_A_NAME:
        return True
    # nicknames are often ordinary words ("driftwood", "renard", "nachteule"); only the most
    # common words of the language are taken for part of the sentence ("eram", "there")
    rank = lex.common_rank(value, lang)
    return english_zipf(value) >= 5.0 or (rank is not None and rank < 1500)


#: Words that follow "my nickname was" in other languages without being a nickname, beyond
#: those of ``recognizers._NOT_A_NAME`` (checked together with it).
_NOT_A_VALUE = frozenset(
    """supprimé secret anonyme cancellato segreto anonimo apagado verwijderd usunięty tajny anonimowy kustutatud
    salajane dzēsts slepens ištrintas slaptas smazaný tajný видалений""".split()
)


def _platform_frames(text: str, lang: str, allow: AllowList, lex: Lexicon) -> Iterable[DetectedSpan]:
    """"On Discord I'm X", "im Forum hieß ich X", "foorumilla olin X": a handle said of oneself.

    The value must look like a handle (digits, underscores, dots, a capital)
    or not be an ordinary word ("On Telegram I was lonely" takes nothing).
    """
    for m in _PLATFORM_FRAME.finditer(text):
        v = _HANDLE_VALUE.match(text, m.end())
        if not v:
            continue
        value = v.group().rstrip(".-")
        if (len(value) < 2 or is_function_word(value, lang) or allow.is_allowed(value)
                or allow.is_platform_inflection(value) or _ordinary_word(text, v.start(), value, lang, lex)):
            continue
        handle_like = any(not c.isalpha() for c in value) or value[0].isupper()
        if not handle_like and (lex.is_word(value, lang) or english_zipf(value) >= 3.0):
            continue
        yield DetectedSpan("USERNAME", v.start(), v.start() + len(value), 0.8, "twoknow.cue_handle.v1")


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
            if cap and (entry is None or not (entry.is_name or entry.is_place)) and lex.is_word(word, lang):
                return None  # "aus der Beratungsstelle", "my friend Nothing"
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
    words = list(WORD.finditer(text))
    for i, m in enumerate(words):
        word = m.group()
        if len(word) < 3 or is_function_word(word, lang):
            continue
        entry = lex.lookup(word, lang)
        if entry is None:
            entry = _by_ending(word, lang, lex)
        if entry is None:
            continue
        if allow.is_allowed(word) or allow.is_platform_inflection(word):
            continue
        full = _full_name(text, words, i, entry, lang, allow, lex)
        if full is not None:
            yield DetectedSpan("PERSON", m.start(), full, 0.7, "twoknow.lexicon.v1")
            continue
        if entry.given and _name_not_word(entry, lang, lex) and i + 1 < len(words) \
                and _COPULA_RE.match(words[i + 1].group()) and not text[m.end() : words[i + 1].start()].strip():
            # "Søren var den ensete", "Rui era a única", "joaquín era": a name, then was/is
            yield DetectedSpan("PERSON", m.start(), m.end(), 0.6, "twoknow.lexicon.v1")
            continue
        etype = _judge(text, m.start(), word, entry, lang, lex, ner_language=ner_language)
        if etype is None and entry.is_place and i > 0 and _after_preposition(text, words[i - 1], m, lang):
            etype = _place_after_preposition(word, entry, lang, lex)
        if etype:
            yield DetectedSpan(etype, m.start(), m.end(), 0.6, "twoknow.lexicon.v1")


def _by_ending(word: str, lang: str, lex: Lexicon) -> LexiconEntry | None:
    """A town or given name in a case the dictionary forms miss, when the word itself is no ordinary word."""
    # the exact word only: a town's case form starts with the town, which is a common word itself
    if len(word) < 5 or lex.is_word(word, lang, inflected=False) or english_zipf(word.casefold()) >= 3.0:
        return None
    entry = lex.lookup_by_ending(word, lang)
    if entry is None or lex.max_zipf(entry.lemma) >= 4.8:
        return None
    return entry


def _full_name(text: str, words: list[re.Match[str]], i: int, e: LexiconEntry, lang: str, allow: AllowList,
               lex: Lexicon) -> int | None:
    """Where a given name followed by a surname ends ("Väinö Räsänen", "matthias zimmermann",
    "noortje van dijk"), at any position and in either case; None when word ``i`` does not start one."""
    first = words[i].group()
    if not e.given or not _name_not_word(e, lang, lex):
        return None
    j = i + 1
    while j < len(words) and words[j].group().casefold() in _PARTICLE_WORDS and j - i <= 3:
        j += 1
    if j >= len(words) or not text[words[i].end() : words[j].start()].replace(" ", "").isalpha() and \
            text[words[i].end() : words[j].start()].strip():
        return None
    if text[words[j - 1].end() : words[j].start()] not in (" ", "-"):
        return None
    last = words[j].group()
    if first[0].isupper() != last[0].isupper() or is_function_word(last, lang) or allow.is_allowed(last):
        return None
    if first[0].islower() and max(lex.zipf(e.lemma, lang), english_zipf(first.casefold())) >= 5.0:
        return None  # "niemand kende": a very common word that is also a name somewhere
    s = lex.lookup(last, lang)
    if s is not None:
        ok = (s.surname or s.given) and lex.max_zipf(s.lemma) < 5.0 and not (s.is_place and not s.is_name)
    elif lang == "et":  # no frequency list to tell an unknown surname from a word
        ok = False
    else:  # a surname the lexicon lacks ("Zariņš"): not an ordinary word of the language or English
        ok = (len(last) >= 4 and not lex.is_word(last, lang) and english_zipf(last.casefold()) < 3.0
              and (first[0].isupper() or lex.zipf(e.lemma, lang) < 4.5 or not lex.is_word(first, lang)))
    return words[j].end() if ok else None


def _name_not_word(e: LexiconEntry, lang: str, lex: Lexicon) -> bool:
    """A given name that is not a very common word of the answer's language (and, in English
    answers, of English): "Antti" (5.1 in Finnish text, as a name) yes, "Will", "Hope" no."""
    if lang == "en":
        return lex.zipf(e.lemma, "en") < 5.0
    return lex.zipf(e.lemma, lang) < 5.5 and lex.zipf(e.lemma, "en") < 5.5


def _after_preposition(text: str, prev: re.Match[str], m: re.Match[str], lang: str) -> bool:
    p = prev.group().casefold()
    return (p in _PLACE_PREPOSITIONS.get(lang, ()) or p in _PLACE_PREPOSITIONS["en"]) and \
        not text[prev.end() : m.start()].strip()


def _place_after_preposition(word: str, e: LexiconEntry, lang: str, lex: Lexicon) -> str | None:
    """A place right after "in", "i", "w", "в"... in any case ("in norwich", "i östersund")."""
    if (word.isupper() and len(word) <= 4) or (word[0].islower() and e.lower_is_word):
        return None  # "iš paramos" (from support): an ordinary word that is also a place's form
    zmax = lex.max_zipf(e.lemma)
    if e.population >= 100000 and lex.zipf(e.lemma, "en") < 4.5 and zmax < 6.0:
        return "LOCATION"
    if e.population >= 15000 and zmax < 4.8 and not (e.given and not e.inflected):
        return "LOCATION"
    if e.population >= 1000 and zmax < 4.0 and not (e.given and not e.inflected):
        return "LOCATION"
    return None


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
        if lex.is_word(word, lang):
            return None  # "sere" (evenings), "vivi" (I lived): words of the answer's language
        if e.given and zmax < 4.5 and z_en < 3.0 and len(word) >= 4:
            return "PERSON"
        if e.is_place and e.population >= 100000 and zmax < 4.5 and z_en < 3.0 and len(word) >= 4:
            return "LOCATION"
        return None
    if e.inflected and not e.lower_is_word:
        return etype if (e.is_place and e.population >= 5000) or e.given else None
    initial = _sentence_initial(text, start)
    if initial:
        if lex.is_word(word, lang) and z >= 4.0:
            return None  # "Vivi em Santarém": a verb of the answer's language first, a name second
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
    if e.given and not noun_caps:
        limit = 5.1  # "ja Jukka oli", "told Mark": a capitalised given name mid-sentence
    common = max(z, z_en) if ner_language or noun_caps else z
    if common < limit and (zmax < 5.5 or (e.given and not noun_caps)) and (e.given or e.is_place or e.surname):
        return etype
    return None
