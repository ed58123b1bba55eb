"""Small synthetic, clinical, non-graphic survey answers for theme tests (no real data).

Each answer is generated from one of six topics with varied wording, so a
theme model should recover the topics. ``make_answers(n, seed)`` returns
``(texts, topics)``.
"""

from __future__ import annotations

import random

TOPICS: dict[str, dict[str, list[str]]] = {
    "loneliness": {
        "core": ["I felt very lonely", "loneliness after moving to a new city", "being isolated and alone most evenings",
                 "I had no friends to talk to", "living alone and feeling lonely", "boredom and loneliness at night"],
        "tail": ["so I spent hours online", "and the evenings were empty", "which made everything worse", ""],
    },
    "stress": {
        "core": ["stress at work", "pressure from my job and deadlines", "a very stressful period at work",
                 "anxiety and stress about money", "being overwhelmed by work stress", "burnout from long working hours"],
        "tail": ["I used it to escape", "and I could not cope", "made me look for distraction", ""],
    },
    "anonymity": {
        "core": ["anonymity tools like a VPN", "using Tor made me feel anonymous", "encrypted apps and a VPN",
                 "I thought the anonymity software protected me", "private browsing and anonymity networks", "a VPN hid my identity"],
        "tail": ["so it felt safe", "and I believed nobody could see", "which made access easy", ""],
    },
    "fear": {
        "core": ["fear of getting caught by the police", "I was afraid of being arrested", "fear of the police finding out",
                 "worry about being caught and prosecuted", "the risk of arrest scared me", "being caught by law enforcement"],
        "tail": ["stopped me", "made me stop for a while", "is what holds me back", ""],
    },
    "help": {
        "core": ["I wanted to talk to a therapist", "seeking help from a counsellor", "a helpline I called for support",
                 "therapy sessions with a psychologist", "I asked a doctor for treatment", "talking to a support service"],
        "tail": ["helped me stop", "gave me a way out", "is what I need now", ""],
    },
    "guilt": {
        "core": ["guilt and shame about what I did", "I feel deeply ashamed", "shame and disgust with myself",
                 "feeling guilty every day", "the guilt is overwhelming", "I am ashamed and regret it"],
        "tail": ["keeps me from doing it again", "stops me", "is always there", ""],
    },
}


def make_answers(n: int = 300, seed: int = 0, topics: list[str] | None = None) -> tuple[list[str], list[str]]:
    """``n`` synthetic answers cycling through ``topics`` (all six by default)."""
    rng = random.Random(seed)
    names = topics or list(TOPICS)
    texts, labels = [], []
    for i in range(n):
        name = names[i % len(names)]
        t = TOPICS[name]
        s = rng.choice(t["core"])
        tail = rng.choice(t["tail"])
        text = f"{s} {tail}".strip()
        if rng.random() < 0.3:
            text = text[0].upper() + text[1:] + "."
        texts.append(text)
        labels.append(name)
    return texts, labels
