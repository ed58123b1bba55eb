"""The bundled synthetic survey: a seeded generator and its loader.

The sample imitates the shape of the 2KNOW survey's open questions: about
1,150 respondents answer four questions (what led you to search, what made it
easier, in what situations, what stops you), giving about 4,500 non-empty
answers. Every answer is composed from short **clinical, non-graphic**
templates, at the level of a public research summary, each tied to one code
of the 2KNOW codebook; the truth file records which code(s) an answer was
built from so themes and coding can be checked against it. Paraphrases,
fillers, occasional typos, very short and multi-sentence answers, answers in
five other languages and cross-question answers give topic models a real but
imperfect structure.

Generation has two steps, each with its own random stream: composing the
answers, then (last) planting fake identifiers into about 8% of them with
:func:`twoknow_text.deid.planted.plant_identifiers`, so changing the planting
never changes the answers. Some answers name platforms and tools (Tor,
Telegram, VPN, Session...) and hold no identifier: de-identification must
leave those alone.

>>> from twoknow_text.synth import load_sample
>>> corpus = load_sample()  # doctest: +SKIP
>>> len(corpus)  # doctest: +SKIP
4503
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from .records import Corpus

__all__ = [
    "QUESTIONS",
    "CODE_CATEGORY",
    "LANGUAGES",
    "SAMPLE_SEED",
    "SAMPLE_RESPONDENTS",
    "SyntheticAnswer",
    "compose_answers",
    "plant_step",
    "generate_survey",
    "write_sample",
    "sample_path",
    "truth_path",
    "load_sample",
    "load_truth",
]

SAMPLE_SEED = 20_240_601
SAMPLE_RESPONDENTS = 1_150
PLANT_RATE = 0.08

#: question id → question text, in survey order.
QUESTIONS: dict[str, str] = {
    "q1_led_to_it": "What led you to search for it?",
    "q2_made_easier": "What made it easier?",
    "q3_situations": "In what situations did it happen?",
    "q4_stops_you": "What stops you or would help you stop?",
}

#: code id → category id (the codebook's ids).
CODE_CATEGORY: dict[str, str] = {
    **{c: "motivations" for c in (
        "mot_sexual_interest", "mot_emotional_regulation", "mot_high_sex_drive", "mot_sensation_seeking",
        "mot_curiosity", "mot_escalation_adult_content", "mot_other")},
    **{c: "facilitators" for c in (
        "fac_anonymity_tools", "fac_easy_access", "fac_habitual_pornography_use", "fac_substance_use",
        "fac_adverse_childhood", "fac_other")},
    **{c: "situational_factors" for c in (
        "sit_loneliness_boredom", "sit_stress_negative_mood", "sit_life_events", "sit_other")},
    **{c: "barriers" for c in (
        "bar_fear_of_getting_caught", "bar_guilt_shame", "bar_empathy_for_victims",
        "bar_warning_messages_blocking", "bar_help_seeking", "bar_other")},
}

# Which codes each question mostly draws on, with relative weights. A share
# of answers also take a second code from another question's pool, as real
# answers wander ("after my divorce I drank and used Tor").
_QUESTION_CODES: dict[str, dict[str, float]] = {
    "q1_led_to_it": {
        "mot_curiosity": 5, "mot_escalation_adult_content": 4, "mot_emotional_regulation": 4,
        "mot_sexual_interest": 3, "mot_sensation_seeking": 2, "mot_high_sex_drive": 2, "mot_other": 1,
        "fac_adverse_childhood": 1,
    },
    "q2_made_easier": {
        "fac_anonymity_tools": 6, "fac_easy_access": 5, "fac_habitual_pornography_use": 3,
        "fac_substance_use": 2, "fac_adverse_childhood": 1, "fac_other": 1,
    },
    "q3_situations": {
        "sit_loneliness_boredom": 5, "sit_stress_negative_mood": 5, "sit_life_events": 3, "sit_other": 1,
        "fac_substance_use": 1,
    },
    "q4_stops_you": {
        "bar_fear_of_getting_caught": 5, "bar_help_seeking": 4, "bar_guilt_shame": 4,
        "bar_empathy_for_victims": 3, "bar_warning_messages_blocking": 2, "bar_other": 1,
    },
}

# English paraphrases per code: full sentences, then very short forms.
# Clinical and non-graphic: they name factors, never acts or material.
_EN: dict[str, list[str]] = {
    "mot_sexual_interest": [
        "I have a sexual interest in children that I did not choose and have never told anyone about.",
        "An attraction to minors that I have been aware of since I was a teenager.",
        "My sexual interest in younger people, which I know is wrong.",
        "I am attracted to children and I have struggled with that for a long time.",
        "A sexual preference for minors that I try to keep under control.",
    ],
    "mot_emotional_regulation": [
        "It was a way to escape from feelings I could not handle.",
        "I used it to cope with anxiety and to numb myself.",
        "Searching helped me forget my problems for a while.",
        "A way of dealing with emotions, like a coping mechanism that went wrong.",
        "I was trying to make bad feelings go away, even for an hour.",
    ],
    "mot_high_sex_drive": [
        "A very high sex drive that I struggled to control.",
        "Hypersexuality, I was always looking for more.",
        "My libido felt out of control during that period.",
        "Compulsive sexual urges that felt stronger than me.",
    ],
    "mot_sensation_seeking": [
        "The thrill of doing something forbidden.",
        "It was the excitement of breaking a taboo.",
        "Risk and adrenaline, the feeling of doing something dangerous.",
        "I was chasing a rush, something new and forbidden.",
    ],
    "mot_curiosity": [
        "Curiosity at first, I wanted to know if it really existed.",
        "I was curious after reading a news article about it.",
        "Pure curiosity, I did not think about the consequences.",
        "Someone mentioned it online and I wanted to see whether it was true.",
        "It started with curiosity about what was out there.",
    ],
    "mot_escalation_adult_content": [
        "Years of legal adult pornography, and I kept looking for something more extreme.",
        "Adult content stopped being enough and I drifted into more extreme categories.",
        "It escalated slowly from ordinary porn until I ended up somewhere illegal.",
        "Desensitisation: I needed more and more extreme content over time.",
        "I got bored of regular porn and clicked further and further.",
    ],
    "mot_other": [
        "I don't really know why.",
        "Hard to explain, it just happened.",
        "I can't point to one reason.",
        "Someone in a chat pushed me towards it.",
    ],
    "fac_anonymity_tools": [
        "Using Tor made me feel anonymous.",
        "I used a VPN so I thought nobody could trace me.",
        "Encrypted apps like Telegram and Session made it feel safe.",
        "The Tor browser and a VPN together, I felt invisible.",
        "Private groups on Discord and Telegram where nobody used real names.",
        "Signal and other encrypted messengers, and a VPN on top.",
        "Believing that Tor and encryption meant I could never be identified.",
    ],
    "fac_easy_access": [
        "It was very easy to find, only a few clicks away.",
        "Links were shared openly in forums.",
        "Search engines led me there without much effort.",
        "It was just there, available whenever I looked.",
        "Easy access, nothing was blocked.",
    ],
    "fac_habitual_pornography_use": [
        "I was already watching porn every day for years.",
        "Daily pornography use had become a habit.",
        "Hours of porn every night made it feel normal to keep searching.",
        "A long-standing porn habit that I never questioned.",
        "Watching porn was part of my routine since my teens.",
    ],
    "fac_substance_use": [
        "Alcohol lowered my inhibitions.",
        "I was usually drunk when it happened.",
        "Drinking and cannabis made me care less.",
        "Drugs and alcohol took away my self-control.",
        "After a few beers the usual limits disappeared.",
    ],
    "fac_adverse_childhood": [
        "I was abused myself as a child and never dealt with it.",
        "A difficult childhood with neglect and violence at home.",
        "What happened to me when I was young, which I never talked about.",
        "Growing up without anyone to talk to about sex or boundaries.",
    ],
    "fac_other": [
        "Having a lot of free time and privacy.",
        "Nobody around me would ever suspect anything.",
        "Working from home with no routine.",
        "My own room and my own computer, no one checking.",
    ],
    "sit_loneliness_boredom": [
        "When I was lonely and bored late at night.",
        "Evenings alone with nothing to do.",
        "Boredom and isolation, mostly at weekends.",
        "Feeling lonely after everyone had gone to sleep.",
        "Long empty days when I felt completely alone.",
    ],
    "sit_stress_negative_mood": [
        "When I was stressed or depressed.",
        "After bad days at work when I felt anxious.",
        "Periods of depression and low mood.",
        "Whenever I felt angry or hopeless.",
        "Stress, anxiety and feeling worthless.",
    ],
    "sit_life_events": [
        "After my divorce.",
        "When I lost my job.",
        "During the lockdown when everything stopped.",
        "After a death in the family.",
        "When my relationship ended and I moved out.",
    ],
    "sit_other": [
        "Mostly on my phone in bed.",
        "When I was travelling for work.",
        "At random times, there was no clear pattern.",
        "Usually on the laptop at night.",
    ],
    "bar_fear_of_getting_caught": [
        "Fear of getting caught by the police.",
        "I am afraid of being arrested and losing everything.",
        "The risk that my family would find out.",
        "Fear of prison and of my name being in the news.",
        "Knowing the police can trace people even through Tor.",
    ],
    "bar_guilt_shame": [
        "The guilt and shame afterwards.",
        "I feel disgusted with myself every time.",
        "Shame, I know it is wrong.",
        "Guilt keeps me awake at night.",
        "I hate myself for it and that feeling stops me.",
    ],
    "bar_empathy_for_victims": [
        "Knowing that real children are harmed.",
        "Thinking about the victims and what they went through.",
        "Realising that real children are hurt by it.",
        "Empathy for the children involved.",
        "I think about the harm done to the victims.",
    ],
    "bar_warning_messages_blocking": [
        "A warning message appeared when I searched and it made me stop.",
        "A pop-up warning with a help line number.",
        "The search engine showed a deterrence message.",
        "Sites being blocked by my provider.",
        "A warning page that said the search was illegal.",
    ],
    "bar_help_seeking": [
        "I would like to talk to a therapist anonymously.",
        "An anonymous self-help programme would help.",
        "I started therapy and it helps.",
        "Knowing where to get confidential help.",
        "A helpline I could call without giving my name.",
        "Online therapy that does not require my real identity.",
    ],
    "bar_other": [
        "Having a partner and a normal life.",
        "Keeping busy with sport and work.",
        "Nothing has stopped me so far.",
        "I don't know what would help.",
    ],
}

_EN_SHORT: dict[str, list[str]] = {
    "mot_sexual_interest": ["Attraction to minors.", "Sexual interest."],
    "mot_emotional_regulation": ["Escaping bad feelings.", "Coping."],
    "mot_high_sex_drive": ["High sex drive.", "Hypersexuality"],
    "mot_sensation_seeking": ["The thrill.", "Excitement"],
    "mot_curiosity": ["Curiosity.", "curiosity", "Just curious."],
    "mot_escalation_adult_content": ["Escalation from porn.", "Porn escalation"],
    "mot_other": ["Don't know.", "No idea"],
    "fac_anonymity_tools": ["Tor.", "VPN and Tor", "Telegram.", "Anonymity."],
    "fac_easy_access": ["Easy access.", "Too easy to find"],
    "fac_habitual_pornography_use": ["Porn habit.", "Daily porn"],
    "fac_substance_use": ["Alcohol.", "Drinking"],
    "fac_adverse_childhood": ["My childhood.", "Childhood abuse"],
    "fac_other": ["Privacy.", "Free time"],
    "sit_loneliness_boredom": ["Loneliness.", "Boredom", "Lonely nights"],
    "sit_stress_negative_mood": ["Stress.", "Depression", "Anxiety."],
    "sit_life_events": ["Divorce.", "Lockdown", "Job loss."],
    "sit_other": ["At night.", "On my phone"],
    "bar_fear_of_getting_caught": ["Fear of police.", "Getting caught"],
    "bar_guilt_shame": ["Guilt.", "Shame"],
    "bar_empathy_for_victims": ["The victims.", "Thinking of the children"],
    "bar_warning_messages_blocking": ["Warning messages.", "Blocking"],
    "bar_help_seeking": ["Therapy.", "Anonymous help", "A helpline."],
    "bar_other": ["Family.", "Nothing"],
}

#: Other languages of the sample (besides English), with their share of respondents.
LANGUAGES: dict[str, float] = {"en": 0.90, "fi": 0.03, "sv": 0.02, "de": 0.02, "es": 0.015, "ru": 0.015}

# Short translated templates for the most frequent codes of each question.
_OTHER: dict[str, dict[str, list[str]]] = {
    "fi": {
        "mot_curiosity": ["Uteliaisuus.", "Olin utelias."],
        "mot_emotional_regulation": ["Tapa paeta pahaa oloa."],
        "fac_anonymity_tools": ["Tor ja VPN tuntuivat turvallisilta."],
        "fac_easy_access": ["Sitä oli helppo löytää."],
        "sit_loneliness_boredom": ["Kun olin yksin ja tylsistynyt illalla."],
        "sit_stress_negative_mood": ["Stressi ja masennus."],
        "bar_fear_of_getting_caught": ["Pelko jäädä kiinni."],
        "bar_help_seeking": ["Haluaisin puhua terapeutin kanssa nimettömänä."],
        "bar_guilt_shame": ["Syyllisyys ja häpeä."],
    },
    "sv": {
        "mot_curiosity": ["Nyfikenhet.", "Jag var nyfiken."],
        "mot_emotional_regulation": ["Ett sätt att fly från dåliga känslor."],
        "fac_anonymity_tools": ["Tor och VPN gjorde att jag kände mig anonym."],
        "fac_easy_access": ["Det var lätt att hitta."],
        "sit_loneliness_boredom": ["När jag var ensam och uttråkad på kvällen."],
        "sit_stress_negative_mood": ["Stress och nedstämdhet."],
        "bar_fear_of_getting_caught": ["Rädsla för att åka fast."],
        "bar_help_seeking": ["Jag skulle vilja prata anonymt med en terapeut."],
        "bar_guilt_shame": ["Skuld och skam."],
    },
    "de": {
        "mot_curiosity": ["Neugier.", "Ich war neugierig."],
        "mot_emotional_regulation": ["Ein Weg, schlechten Gefühlen zu entkommen."],
        "fac_anonymity_tools": ["Tor und VPN gaben mir das Gefühl, anonym zu sein."],
        "fac_easy_access": ["Es war leicht zu finden."],
        "sit_loneliness_boredom": ["Wenn ich abends allein war und mich langweilte."],
        "sit_stress_negative_mood": ["Stress und depressive Stimmung."],
        "bar_fear_of_getting_caught": ["Angst, erwischt zu werden."],
        "bar_help_seeking": ["Ich würde gern anonym mit einem Therapeuten sprechen."],
        "bar_guilt_shame": ["Schuld und Scham."],
    },
    "es": {
        "mot_curiosity": ["Curiosidad.", "Tenía curiosidad."],
        "mot_emotional_regulation": ["Una forma de escapar de los malos sentimientos."],
        "fac_anonymity_tools": ["Tor y una VPN me hacían sentir anónimo."],
        "fac_easy_access": ["Era fácil de encontrar."],
        "sit_loneliness_boredom": ["Cuando estaba solo y aburrido por la noche."],
        "sit_stress_negative_mood": ["Estrés y depresión."],
        "bar_fear_of_getting_caught": ["Miedo a que me atraparan."],
        "bar_help_seeking": ["Me gustaría hablar con un terapeuta de forma anónima."],
        "bar_guilt_shame": ["Culpa y vergüenza."],
    },
    "ru": {
        "mot_curiosity": ["Любопытство.", "Мне было любопытно."],
        "mot_emotional_regulation": ["Способ убежать от плохих чувств."],
        "fac_anonymity_tools": ["Tor и VPN давали чувство анонимности."],
        "fac_easy_access": ["Это было легко найти."],
        "sit_loneliness_boredom": ["Когда я был один и скучал по вечерам."],
        "sit_stress_negative_mood": ["Стресс и депрессия."],
        "bar_fear_of_getting_caught": ["Страх быть пойманным."],
        "bar_help_seeking": ["Я хотел бы анонимно поговорить с терапевтом."],
        "bar_guilt_shame": ["Вина и стыд."],
    },
}

_OPENERS = ["", "", "", "", "Honestly, ", "I think ", "Mostly ", "To be honest, ", "Looking back, ", "For me, "]
_CLOSERS = ["", "", "", "", " That's the main thing.", " I regret it.", " It is hard to write this.",
            " That is the truth.", " Nothing more to add."]
_JOINERS = [" ", " Also, ", " And ", " On top of that, ", " Later, "]

#: Platform and tool names; an answer naming one is flagged in the truth file.
_PLATFORMS = ("Tor", "VPN", "Telegram", "Discord", "Session", "Signal", "Snapchat", "Instagram", "Reddit",
              "WhatsApp", "Google")
_PLATFORM_RE = re.compile(r"\b(" + "|".join(_PLATFORMS) + r")\b")

_AGE_GROUPS = ["18-24", "25-34", "35-44", "45-54", "55+"]
_AGE_WEIGHTS = [0.30, 0.32, 0.20, 0.11, 0.07]
_WAVE_START = {1: date(2021, 9, 1), 2: date(2023, 3, 1)}

_HERE = "twoknow_text"
_SAMPLE_DIR = "data/sample"
SAMPLE_FILE = "survey_sample.csv"
TRUTH_FILE = "survey_sample_truth.csv"


@dataclass
class SyntheticAnswer:
    """One generated answer and the truth about it (codes, planted identifiers)."""

    response_id: str
    respondent_id: str
    question_id: str
    language: str
    text: str
    code_ids: list[str]
    identifier_kinds: list[str] = field(default_factory=list)
    identifier_spans: list[tuple[str, int, int]] = field(default_factory=list)


@dataclass
class _Respondent:
    respondent_id: str
    language: str
    wave: int
    survey_date: str
    age_group: str


# ---------------------------------------------------------------- composing


def _typo(text: str, rng: random.Random) -> str:
    """Swap two adjacent letters in one longer word (people type fast)."""
    words = text.split(" ")
    long_words = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
    if not long_words:
        return text
    i = rng.choice(long_words)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _lower_first(s: str) -> str:
    """Lower-case a sentence's first letter unless it starts with "I" or a name (Tor, Signal...)."""
    first = re.split(r"[\s,.]", s, maxsplit=1)[0]
    if first in ("I", "I'm") or first.startswith("I'") or first in _PLATFORMS:
        return s
    return s[:1].lower() + s[1:]


def _sentence(code: str, lang: str, rng: random.Random, short: bool) -> str:
    if lang != "en":
        return rng.choice(_OTHER[lang][code])
    return rng.choice(_EN_SHORT[code] if short else _EN[code])


def _pick(weights: dict[str, float], rng: random.Random, exclude: tuple[str, ...] = ()) -> str:
    codes = [c for c in weights if c not in exclude]
    return rng.choices(codes, weights=[weights[c] for c in codes])[0]


def _compose(qid: str, lang: str, rng: random.Random) -> tuple[str, list[str]]:
    """One answer to ``qid`` in ``lang``: its text and the code(s) it was built from."""
    if lang != "en":
        pool = {c: w for c, w in _QUESTION_CODES[qid].items() if c in _OTHER[lang]}
        code = _pick(pool, rng)
        text = _sentence(code, lang, rng, short=False)
        return (text if rng.random() > 0.15 else text.lower()), [code]

    r = rng.random()
    if r < 0.12:  # very short answers ("Curiosity.", "Tor")
        code = _pick(_QUESTION_CODES[qid], rng)
        return _sentence(code, lang, rng, short=True), [code]
    codes = [_pick(_QUESTION_CODES[qid], rng)]
    if r > 0.70:  # a second code: usually the same question's pool, sometimes another's
        other_q = qid if rng.random() < 0.6 else rng.choice([q for q in QUESTIONS if q != qid])
        second = _pick(_QUESTION_CODES[other_q], rng, exclude=tuple(codes))
        codes.append(second)
    parts = [_sentence(c, lang, rng, short=False) for c in codes]
    text = parts[0]
    for p in parts[1:]:
        joiner = rng.choice(_JOINERS)
        text += joiner + (_lower_first(p) if joiner.strip() else p)
    opener = rng.choice(_OPENERS)
    if opener:
        text = opener + _lower_first(text)
    text += rng.choice(_CLOSERS)
    if rng.random() < 0.06:
        text = _typo(text, rng)
    if rng.random() < 0.08:
        text = text.lower()
    if rng.random() < 0.10:
        text = text.rstrip(".")
    return text, codes


def _respondents(n: int, rng: random.Random) -> list[_Respondent]:
    langs = list(LANGUAGES)
    out = []
    for i in range(1, n + 1):
        wave = 1 if rng.random() < 0.55 else 2
        day = _WAVE_START[wave] + timedelta(days=rng.randrange(120))
        out.append(
            _Respondent(
                respondent_id=f"R{i:04d}",
                language=rng.choices(langs, weights=[LANGUAGES[x] for x in langs])[0],
                wave=wave,
                survey_date=day.isoformat(),
                age_group=rng.choices(_AGE_GROUPS, weights=_AGE_WEIGHTS)[0],
            )
        )
    return out


def compose_answers(
    n_respondents: int = SAMPLE_RESPONDENTS, seed: int = SAMPLE_SEED
) -> tuple[list[_Respondent], list[SyntheticAnswer | None]]:
    """Step 1: respondents and their answers, without identifiers.

    Returns the respondents and one entry per (respondent, question) in
    survey order; None marks a question left blank (about 2%), and a few
    answers are only whitespace (a recorded ``empty_text`` skip when read).
    """
    rng = random.Random(seed)
    people = _respondents(n_respondents, rng)
    answers: list[SyntheticAnswer | None] = []
    for person in people:
        for qid in QUESTIONS:
            if rng.random() < 0.02:
                answers.append(None)
                continue
            text, codes = _compose(qid, person.language, rng)
            answers.append(
                SyntheticAnswer(
                    response_id=f"{person.respondent_id}:{qid}",
                    respondent_id=person.respondent_id,
                    question_id=qid,
                    language=person.language,
                    text=text,
                    code_ids=codes,
                )
            )
    return people, answers


# ----------------------------------------------------------------- planting


def plant_step(answers: list[SyntheticAnswer | None], seed: int = SAMPLE_SEED, rate: float = PLANT_RATE) -> int:
    """Step 2 (last): plant fake identifiers into about ``rate`` of the answers, in place.

    Uses :func:`twoknow_text.deid.planted.plant_identifiers`; kinds cycle
    through every identifier kind it knows, and about one planted answer in
    eight gets a second identifier. Returns how many answers were planted.
    """
    from .deid.planted import GENERATORS, plant_identifiers

    rng = random.Random(seed + 1)  # its own stream: planting never changes the answers
    kinds = list(GENERATORS)
    rng.shuffle(kinds)
    present = [a for a in answers if a is not None]
    chosen = rng.sample(range(len(present)), round(rate * len(present)))
    for n, i in enumerate(sorted(chosen)):
        a = present[i]
        todo = [kinds[n % len(kinds)]]
        if rng.random() < 0.125:
            todo.append(rng.choice([k for k in kinds if k != todo[0]]))
        text, gold = plant_identifiers(a.text, todo[0], rng)
        spans = [(g.entity_type, g.start, g.end) for g in gold]
        if len(todo) > 1:
            # The second carrier is built alone and appended, so the first spans never move.
            extra, gold2 = plant_identifiers("", todo[1], rng)
            offset = len(text) + 1
            text = f"{text} {extra}"
            spans += [(g.entity_type, g.start + offset, g.end + offset) for g in gold2]
        a.text = text
        a.identifier_kinds = todo
        a.identifier_spans = sorted(spans, key=lambda s: s[1])
    return len(chosen)


# ------------------------------------------------------------------- output


def generate_survey(
    n_respondents: int = SAMPLE_RESPONDENTS, seed: int = SAMPLE_SEED, *, plant: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The wide survey table and its truth table (see the module docstring).

    ``survey``: ``respondent_id, language, wave, survey_date, age_group`` and
    one column per question. ``truth``: ``response_id, code_ids`` (``;``
    separated), ``question_id, language, identifier_kinds,
    identifier_spans`` (JSON ``[[entity_type, start, end], ...]`` into the
    answer text as read) and ``names_platform``.
    """
    import pandas as pd

    people, answers = compose_answers(n_respondents, seed)
    # A few answers are only whitespace: exporters produce them and the reader must skip them.
    ws_rng = random.Random(seed + 2)
    for k, a in enumerate(answers):
        if a is not None and ws_rng.random() < 0.004:
            blank = ws_rng.random() < 0.5
            answers[k] = None if blank else SyntheticAnswer(
                a.response_id, a.respondent_id, a.question_id, a.language, "  ", []
            )
    if plant:
        plant_step([a for a in answers if a is not None and a.text.strip()], seed)

    rows = []
    qids = list(QUESTIONS)
    for p_i, person in enumerate(people):
        row = {
            "respondent_id": person.respondent_id,
            "language": person.language,
            "wave": person.wave,
            "survey_date": person.survey_date,
            "age_group": person.age_group,
        }
        for q_i, qid in enumerate(qids):
            a = answers[p_i * len(qids) + q_i]
            row[qid] = "" if a is None else a.text
        rows.append(row)
    survey = pd.DataFrame(rows)
    truth = pd.DataFrame(
        [
            {
                "response_id": a.response_id,
                "code_ids": ";".join(a.code_ids),
                "question_id": a.question_id,
                "language": a.language,
                "identifier_kinds": ";".join(a.identifier_kinds),
                "identifier_spans": json.dumps([list(s) for s in a.identifier_spans]),
                "names_platform": int(bool(_PLATFORM_RE.search(a.text))),
            }
            for a in answers
            if a is not None and a.text.strip()
        ]
    )
    return survey, truth


def write_sample(
    out_dir: str | os.PathLike[str], n_respondents: int = SAMPLE_RESPONDENTS, seed: int = SAMPLE_SEED,
    *, plant: bool = True,
) -> tuple[Path, Path]:
    """Generate the sample and write ``survey_sample.csv`` + ``survey_sample_truth.csv`` atomically."""
    from ._io import write_table

    survey, truth = generate_survey(n_respondents, seed, plant=plant)
    out = Path(out_dir)
    return write_table(survey, out / SAMPLE_FILE), write_table(truth, out / TRUTH_FILE)


def _data_file(name: str) -> Path:
    return Path(str(resources.files(_HERE).joinpath(_SAMPLE_DIR, name)))


def sample_path() -> Path:
    """Path of the bundled ``survey_sample.csv`` (wide form, one row per respondent)."""
    return _data_file(SAMPLE_FILE)


def truth_path() -> Path:
    """Path of the bundled ``survey_sample_truth.csv`` (codes and planted identifiers per answer)."""
    return _data_file(TRUTH_FILE)


def load_sample() -> Corpus:
    """The bundled sample as a :class:`~twoknow_text.records.Corpus` (not yet de-identified).

    Same as ``read_survey(sample_path(), format="wide", id_col="respondent_id",
    text_cols=list(QUESTIONS), language_col="language")``; response ids are
    ``R0001:q1_led_to_it`` and so on.
    """
    from .reading import read_survey

    corpus, _ = read_survey(
        sample_path(), format="wide", id_col="respondent_id", text_cols=list(QUESTIONS), language_col="language"
    )
    return corpus


def load_truth() -> pd.DataFrame:
    """The truth table: ``response_id``, ``code_ids`` (a list per answer) and the planted identifiers."""
    import pandas as pd

    df = pd.read_csv(truth_path(), dtype=str, keep_default_na=False)
    df["code_ids"] = df["code_ids"].str.split(";")
    df["identifier_kinds"] = df["identifier_kinds"].map(lambda s: s.split(";") if s else [])
    df["identifier_spans"] = df["identifier_spans"].map(lambda s: [tuple(x) for x in json.loads(s)])
    df["names_platform"] = df["names_platform"].astype(int).astype(bool)
    return df
