"""Words that look like names to NER but are the survey's substance.

Platform and tool names ("Telegram", "Tor", "Session") are what the
facilitator analysis counts; a redacted "[ORGANIZATION_…]" destroys it. Time
phrases ("every week", "at night") are what Presidio's DATE_TIME eats. Neither
identifies a person, so both are kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

__all__ = [
    "PLATFORM_NAMES",
    "TOOL_WORDS",
    "PLATFORM_DOMAINS",
    "TIME_PHRASES",
    "AllowList",
    "normalise_term",
]

#: Platforms, apps, networks and tools named in answers about what made access easier.
PLATFORM_NAMES: tuple[str, ...] = (
    "Tor", "Tor Browser", "TOR", "Onion", "the dark web", "Dark Web", "darknet", "deep web",
    "Telegram", "Discord", "VPN", "NordVPN", "ExpressVPN", "Mullvad", "ProtonVPN", "Proton VPN",
    "Session", "Signal", "Snapchat", "Instagram", "Reddit", "WhatsApp", "Wickr", "Kik", "Element",
    "Matrix", "I2P", "Tails", "Whonix", "ProtonMail", "Proton Mail", "Proton", "Tutanota", "Tuta",
    "Google", "Google Drive", "Google Chrome", "Chrome", "Firefox", "Brave", "Safari", "Edge",
    "Facebook", "Messenger", "Facebook Messenger", "Meta", "TikTok", "Omegle", "Twitter", "X",
    "YouTube", "Tumblr", "Pinterest", "Skype", "Zoom", "Viber", "WeChat", "Line", "Threema",
    "Briar", "Jami", "Tox", "Freenet", "IRC", "Usenet", "4chan", "8chan", "8kun", "Imgur",
    "Mega", "MEGA", "Dropbox", "OneDrive", "iCloud", "Bing", "DuckDuckGo", "Yahoo", "Yandex",
    "Ahmia", "Torch", "Hidden Wiki", "Bitcoin", "Monero", "Ethereum", "PGP", "GPG", "Kleopatra",
    "BitTorrent", "uTorrent", "qBittorrent", "Torrent", "eMule", "LimeWire", "Kazaa",
    "Windows", "Linux", "Android", "iPhone", "iPad", "Mac", "MacBook", "Apple", "Microsoft",
    "Samsung", "PlayStation", "Xbox", "Steam", "Twitch", "Roblox", "Minecraft", "Fortnite",
    "OnlyFans", "Pornhub", "xHamster", "Chaturbate", "Grindr", "Tinder", "Bumble", "Wire",
    "Stop It Now", "Stop It Now!", "ReDirection", "Lucy Faithfull Foundation", "Troubled Desire",
    "Help Wanted", "Protect Children", "Suojellaan Lapsia", "Internet", "Web", "WiFi", "Wi-Fi",
    "Bluetooth", "AI", "ChatGPT", "Covid", "COVID", "COVID-19", "Lockdown",
)

#: Generic words that may follow or precede a platform name inside one NER span
#: ("the Tor browser", "a Discord server", "Telegram groups").
TOOL_WORDS: frozenset[str] = frozenset(
    """the a an my our their some app apps application browser browsers network networks group groups
    channel channels server servers chat chats messenger forum forums board boards site sites website
    websites page pages account accounts client clients service services link links search engine
    engines platform platforms community communities room rooms thread threads feed bot bots
    messages message dms dm stories story profile profiles and or id ids""".split()
)

#: Ordinary time phrases: frequency, time of day, duration. Never identifying.
TIME_PHRASES: tuple[str, ...] = (
    "every day", "every night", "every week", "every weekend", "every month", "every year",
    "each day", "each week", "each night", "daily", "weekly", "monthly", "yearly", "nightly",
    "at night", "at nights", "late at night", "in the evening", "in the evenings", "in the morning",
    "in the mornings", "in the afternoon", "at the weekend", "at weekends", "on weekends",
    "weekends", "weekend", "the weekend", "weeknights", "night", "nights", "tonight", "today",
    "yesterday", "morning", "evening", "afternoon", "midnight", "after midnight",
    "for years", "for months", "for weeks", "for days", "for hours", "for a year", "for a while",
    "for a long time", "a few years", "a few months", "a few weeks", "a few days", "a few hours",
    "several years", "several months", "many years", "some years", "years", "months", "weeks",
    "hours", "minutes", "later", "at the time", "at that time", "back then", "these days",
    "nowadays", "recently", "lately", "sometimes", "often", "always", "during lockdown",
    "during the pandemic", "after work", "after school", "before bed", "on holiday", "holidays",
    "christmas", "summer", "winter", "spring", "autumn", "fall", "the summer", "the winter",
    "last year", "last month", "last week", "this year", "this week", "next year", "teenage years",
    "my teens", "my twenties", "my thirties", "childhood",
)

#: Bare public domains of platforms and help services (kept when written without a path).
PLATFORM_DOMAINS: frozenset[str] = frozenset(
    """torproject.org getsession.org signal.org telegram.org t.me discord.com discord.gg reddit.com
    proton.me protonmail.com tutanota.com tuta.com whatsapp.com instagram.com facebook.com google.com
    youtube.com tiktok.com twitter.com x.com snapchat.com kik.com wickr.com element.io matrix.org
    geti2p.net tails.net tails.boum.org whonix.org stopitnow.org stopitnow.org.uk lucyfaithfull.org.uk
    troubled-desire.com mullvad.net nordvpn.com expressvpn.com duckduckgo.com bing.com""".split()
)
_PUBLIC_TLDS = frozenset("com org net io me gg co uk de fi se eu app".split())

_NUM_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    "a couple of|a few|several|many|some|\\d{1,3}"
)
#: Durations and frequencies with a number: "for two years", "three times a week", "2 hours a day".
_TIME_PATTERN = re.compile(
    rf"^(?:(?:for|about|around|almost|nearly|over|under|after|within|in|the last|the past|past|last)\s+)*"
    rf"(?:(?:{_NUM_WORDS})\s+)?(?:more\s+)?"
    rf"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|weekends?|months?|years?|decades?|times?)"
    rf"(?:\s+(?:a|per|each|every)\s+(?:day|night|week|month|year))?(?:\s+(?:ago|later|before|earlier))?$",
    re.IGNORECASE,
)

#: Case endings and clitics seen on loanwords in Finnish, Swedish and German answers.
_CASE_ENDINGS = frozenset(
    """a ä ia iä n in ssa ssä issa issä sta stä ista istä lla llä illa illä lta ltä ilta iltä lle ille
    iin hin ksi iksi na nä ina inä t it s en et ens ets e es
    i is ist ile il ilt iga ini ks ga sse st le lt""".split()  # the last line: Estonian ("Tori", "Toris")
)

_SPACE = re.compile(r"\s+")
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


def normalise_term(text: str) -> str:
    """Case-fold, NFKC, collapse whitespace, strip edge punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _SPACE.sub(" ", text).strip()
    return _EDGE_PUNCT.sub("", text)


class AllowList:
    """Decides whether a detected span is a platform/tool name or a time phrase.

    >>> al = AllowList()
    >>> al.is_allowed("Telegram"), al.is_allowed("the Tor browser"), al.is_allowed("Anna")
    (True, True, False)
    """

    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.terms: frozenset[str] = frozenset(
            normalise_term(t) for t in (*PLATFORM_NAMES, *TIME_PHRASES, *extra) if normalise_term(t)
        )
        # only one-word names: "Lucy" from "Lucy Faithfull Foundation" must stay a name
        self.platform_tokens: frozenset[str] = frozenset(
            n for n in (normalise_term(t) for t in (*PLATFORM_NAMES, *extra)) if n and " " not in n
        )
        # the user's multi-word terms ("Maria Korhonen", a code label): no part of one is redacted
        phrases = sorted({normalise_term(t) for t in extra if " " in normalise_term(t)}, key=len, reverse=True)
        self._phrases = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases) + r")(?!\w)",
                       re.IGNORECASE)
            if phrases else None
        )

    def protected_ranges(self, text: str) -> list[tuple[int, int]]:
        """Where the user's multi-word allow-list terms occur in ``text``: spans inside them are dropped."""
        if self._phrases is None:
            return []
        return [(m.start(), m.end()) for m in self._phrases.finditer(text)]

    def is_allowed(self, span_text: str) -> bool:
        """True when the whole span is an allowed term, a time phrase, or a
        platform name framed only by generic tool words ("a Discord server")."""
        norm = normalise_term(span_text)
        if not norm:
            return True
        if norm in self.terms or _TIME_PATTERN.match(norm):
            return True
        # possessive / plural: "Telegram's", "Discords"
        stripped = re.sub(r"(?:'s|’s|s)$", "", norm)
        if stripped in self.terms:
            return True
        if " " not in stripped and len(stripped) >= 6 and self._near_platform(stripped):
            return True  # a typo of a platform name: "Tleegram", "Discrod"
        tokens = [re.sub(r"(?:'s|’s)$", "", t) for t in norm.split()]
        has_platform = any(t in self.platform_tokens for t in tokens)
        return has_platform and all(t in self.platform_tokens or t in TOOL_WORDS for t in tokens)

    def _near_platform(self, word: str) -> bool:
        import difflib

        long_names = [t for t in self.platform_tokens if len(t) >= 6]
        return bool(difflib.get_close_matches(word, long_names, n=1, cutoff=0.85))

    def is_platform_domain(self, url: str) -> bool:
        """True for a bare platform address without a path: "reddit.com", "https://www.torproject.org/".

        A path can name a person's channel or profile ("t.me/name",
        "reddit.com/u/name"), so only the bare domain is kept.
        """
        u = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.strip().casefold()).rstrip("/")
        if not u or "/" in u or "?" in u or "@" in u:
            return False
        if u in PLATFORM_DOMAINS:
            return True
        labels = u.split(".")
        return len(labels) == 2 and labels[0] in self.platform_tokens and labels[1] in _PUBLIC_TLDS

    def is_platform_inflection(self, word: str) -> bool:
        """A platform name with a Finnish/Swedish/German case ending or a compound:
        "Toria", "Telegramissa", "Discordiin", "Telegram-ryhmät", "Signals". ("Torsten" is not.)"""
        w = word.casefold()
        head = re.split(r"[-:’']", w, maxsplit=1)[0]
        if head != w and head in self.platform_tokens:
            return True
        for tok in self.platform_tokens:
            if len(tok) >= 3 and w.startswith(tok) and w[len(tok):] in _CASE_ENDINGS:
                return True
            # any short ending on a long platform name: "Discordzie", "Telegramie", "Signalu"
            if len(tok) >= 5 and w.startswith(tok) and len(w) - len(tok) <= 4 and w[len(tok):].isalpha():
                return True
        return False

    def contains_platform(self, span_text: str) -> bool:
        """True when any token of the span is a platform name."""
        return any(t in self.platform_tokens for t in normalise_term(span_text).split())
