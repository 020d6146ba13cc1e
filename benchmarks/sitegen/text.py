"""Deterministic pseudo-random news text (English and German) from a seed.

A small phrase grammar rather than a word salad: sentences have a subject, a verb and an object,
attributions and numbers, so paragraph and sentence lengths look like news copy and two articles
share words but almost never a run of seven of them.
"""
from __future__ import annotations

import random
import re

EN = {
    "subject": ["The city council", "The regional government", "The ministry of transport", "Local residents",
                "The harbour authority", "A coalition of farmers", "The central bank", "Hospital managers",
                "The university", "Opposition lawmakers", "The energy regulator", "School principals",
                "The water utility", "Investigators", "The football federation", "Shop owners",
                "The national railway", "Environmental groups", "The fire brigade", "Tenants' associations",
                "The port operator", "Health officials", "The mayor's office", "A group of engineers",
                "The statistics office", "Airline executives", "The court of appeal", "Union leaders",
                "The museum board", "Fishing cooperatives", "The tax authority", "Volunteer groups"],
    "verb": ["approved", "rejected", "postponed", "criticised", "announced", "defended", "revised",
             "questioned", "welcomed", "delayed", "expanded", "suspended", "published", "challenged",
             "financed", "reviewed", "proposed", "abandoned", "endorsed", "audited", "extended", "cut"],
    "object": ["a plan to rebuild the northern bridge", "the budget for public transport",
               "new rules on short-term rentals", "a tender for electric buses",
               "the closure of two rural clinics", "a study of groundwater levels",
               "the merger of three school districts", "a levy on imported steel",
               "an overhaul of the pension fund", "the expansion of the container terminal",
               "a ban on night flights", "the sale of municipal land", "a subsidy for solar panels",
               "the redesign of the central square", "a reform of the emergency services",
               "the renovation of social housing", "a pilot project for night trains",
               "the contract for waste collection", "a new cycling corridor", "the plan for a desalination plant",
               "a freeze on water tariffs", "the relocation of the wholesale market",
               "a programme of flood defences", "the digitisation of land records"],
    "when": ["on Tuesday", "last week", "after months of talks", "earlier this year", "on Friday evening",
             "in a late-night session", "before the summer recess", "this morning", "in March",
             "after a public hearing", "on Monday", "at the end of the quarter"],
    "attrib": ["according to a statement", "officials said", "a spokesperson confirmed",
               "documents seen by reporters show", "people familiar with the matter said",
               "the agency said in a report", "one councillor told reporters", "records show"],
    "person": ["Maria Lind", "Tomas Berg", "Aylin Demir", "Jonas Weber", "Sofia Rossi", "Piotr Nowak",
               "Nina Horvat", "Levan Beridze", "Clara Duarte", "Emre Kaya", "Ana Petrova", "Mikkel Holm",
               "Irene Costa", "Daniel Moreau", "Hana Novak", "Rui Almeida", "Lena Fischer", "Omar Haddad"],
    "role": ["the deputy mayor", "a senior economist", "the head of the union", "a local shopkeeper",
             "the project manager", "an independent auditor", "the hospital director", "a retired engineer",
             "the committee chair", "a transport researcher", "the school's principal", "a resident"],
    "quote": ["We cannot keep postponing decisions that affect every household",
              "The figures simply do not add up",
              "This is the most important investment of the decade",
              "Nobody asked the people who live here",
              "We expect the first results before the winter",
              "The timetable was never realistic",
              "It is a compromise, and compromises are never perfect",
              "We will challenge this in court if we have to",
              "The money has to come from somewhere",
              "Families are already feeling the difference"],
    "fact": ["costs have risen by {n} percent since the project began",
             "about {n} thousand people use the service every day",
             "the work is expected to take {m} years",
             "the plan would cost roughly {n} million euros",
             "{n} of the {k} members voted in favour",
             "inspectors found {m} serious defects",
             "the waiting list has grown to {n} hundred names",
             "the last comparable project was completed {m} decades ago"],
    "connect": ["Meanwhile", "However", "In a separate development", "At the same time", "Critics argue that",
                "Supporters point out that", "By comparison", "For now", "Still", "In practice"],
    "title_a": ["Council", "Court", "Regulator", "Ministry", "Union", "Residents", "Port", "Railway",
                "Hospital", "University", "Farmers", "Mayor", "Auditors", "Lawmakers", "Engineers"],
    "title_v": ["backs", "blocks", "delays", "revives", "rethinks", "scraps", "fast-tracks", "questions",
                "defends", "expands", "freezes", "reopens"],
    "title_o": ["bridge plan", "bus tender", "rental rules", "clinic closures", "steel levy", "pension reform",
                "terminal expansion", "night-flight ban", "land sale", "solar subsidy", "square redesign",
                "housing renovation", "night trains", "waste contract", "cycle corridor", "flood defences",
                "water tariffs", "market move"],
    "title_tail": ["after long dispute", "despite protests", "amid budget row", "as costs climb",
                   "in surprise vote", "before elections", "after audit", "under pressure", "for a second time",
                   "in close vote", "after public outcry", "as deadline nears", "with conditions",
                   "in landmark ruling", "after inquiry", "as talks stall"],
}

DE = {
    "subject": ["Der Stadtrat", "Die Landesregierung", "Das Verkehrsministerium", "Anwohnerinnen und Anwohner",
                "Die Hafenbehörde", "Ein Bündnis von Landwirten", "Die Zentralbank", "Die Klinikleitung",
                "Die Universität", "Die Opposition", "Die Netzagentur", "Mehrere Schulleitungen",
                "Die Stadtwerke", "Die Ermittler", "Der Fußballverband", "Einzelhändler in der Altstadt",
                "Die Bahn", "Umweltverbände", "Die Feuerwehr", "Der Mieterverein", "Der Hafenbetreiber",
                "Das Gesundheitsamt", "Das Büro der Bürgermeisterin", "Eine Gruppe von Ingenieuren",
                "Das Statistikamt", "Der Rechnungshof", "Die Gewerkschaft", "Der Museumsverein"],
    "verb": ["beschloss", "verwarf", "verschob", "kritisierte", "plante", "verteidigte", "überarbeitete",
             "prüfte", "begrüßte", "stoppte", "erweiterte", "veröffentlichte", "finanzierte", "bestätigte"],
    "object": ["den Plan für die Nordbrücke", "das Budget für den Nahverkehr", "neue Regeln für Ferienwohnungen",
               "die Ausschreibung für Elektrobusse", "die Schließung zweier Landarztpraxen",
               "eine Studie zum Grundwasser", "die Zusammenlegung dreier Schulbezirke",
               "eine Abgabe auf importierten Stahl", "die Reform der Pensionskasse",
               "den Ausbau des Containerterminals", "ein Nachtflugverbot", "den Verkauf städtischer Grundstücke",
               "die Förderung von Solaranlagen", "die Neugestaltung des Marktplatzes",
               "die Sanierung der Sozialwohnungen", "ein Pilotprojekt für Nachtzüge",
               "den Vertrag zur Müllabfuhr", "einen neuen Radschnellweg", "den Hochwasserschutz am Fluss",
               "die Digitalisierung des Grundbuchs"],
    "when": ["am Dienstag", "in der vergangenen Woche", "nach monatelangen Verhandlungen", "Anfang des Jahres",
             "am Freitagabend", "in einer Nachtsitzung", "vor der Sommerpause", "am Montag", "im März",
             "nach einer öffentlichen Anhörung"],
    "attrib": ["wie aus einer Mitteilung hervorgeht", "teilte ein Sprecher mit", "heißt es in einem Bericht",
               "sagte ein Ratsmitglied", "wie Unterlagen zeigen", "erklärte die Behörde"],
    "person": ["Maria Lindner", "Thomas Berger", "Aylin Demir", "Jonas Weber", "Sophie Roth", "Peter Nowak",
               "Nina Hofmann", "Lukas Brandt", "Clara Vogel", "Emre Kaya", "Anna Petersen", "Michael Holm"],
    "role": ["die stellvertretende Bürgermeisterin", "ein Ökonom der Universität", "der Gewerkschaftschef",
             "eine Ladenbesitzerin", "der Projektleiter", "ein unabhängiger Prüfer", "die Klinikdirektorin",
             "ein pensionierter Ingenieur", "die Ausschussvorsitzende", "eine Anwohnerin"],
    "quote": ["Wir können Entscheidungen, die jeden Haushalt betreffen, nicht ewig vertagen",
              "Die Zahlen gehen schlicht nicht auf",
              "Das ist die wichtigste Investition des Jahrzehnts",
              "Niemand hat die Menschen gefragt, die hier wohnen",
              "Erste Ergebnisse erwarten wir vor dem Winter",
              "Der Zeitplan war nie realistisch",
              "Es ist ein Kompromiss, und Kompromisse sind nie perfekt",
              "Notfalls ziehen wir vor Gericht"],
    "fact": ["die Kosten sind seit Projektbeginn um {n} Prozent gestiegen",
             "täglich nutzen etwa {n} tausend Menschen das Angebot",
             "die Arbeiten sollen {m} Jahre dauern",
             "der Plan würde rund {n} Millionen Euro kosten",
             "{n} der {k} Mitglieder stimmten dafür",
             "die Prüfer fanden {m} schwere Mängel",
             "die Warteliste ist auf {n} hundert Namen angewachsen"],
    "connect": ["Unterdessen hieß es:", "Allerdings gilt:", "Zugleich wurde bekannt:", "Kritiker verweisen darauf:",
                "Befürworter betonen:", "Im Vergleich dazu:", "Fest steht:", "In der Praxis zeigt sich:"],
    "title_a": ["Stadtrat", "Gericht", "Netzagentur", "Ministerium", "Gewerkschaft", "Anwohner", "Hafen", "Bahn",
                "Klinikum", "Universität", "Landwirte", "Bürgermeisterin", "Rechnungshof", "Opposition"],
    "title_v": ["stützt", "blockiert", "verschiebt", "belebt", "überdenkt", "kippt", "beschleunigt", "prüft",
                "verteidigt", "erweitert", "friert ein", "öffnet neu"],
    "title_o": ["Brückenplan", "Busausschreibung", "Mietregeln", "Praxisschließungen", "Stahlabgabe",
                "Rentenreform", "Terminalausbau", "Nachtflugverbot", "Grundstücksverkauf", "Solarförderung",
                "Marktplatzumbau", "Wohnungssanierung", "Nachtzüge", "Müllvertrag", "Radweg", "Hochwasserschutz"],
    "title_tail": ["nach langem Streit", "trotz Protesten", "im Haushaltsstreit", "bei steigenden Kosten",
                   "in überraschender Abstimmung", "vor der Wahl", "nach Prüfbericht", "unter Druck",
                   "zum zweiten Mal", "nach knapper Abstimmung", "nach öffentlichem Aufschrei", "mit Auflagen"],
}

LANGS = {"en": EN, "de": DE}


class TextGen:
    """Sentences, paragraphs, titles and comments, reproducible from ``seed``."""

    def __init__(self, seed: int | str, lang: str = "en"):
        self.rng = random.Random(seed)
        self.lang = lang
        self.pool = LANGS[lang]
        self.seen: set[str] = set()

    def pick(self, key: str) -> str:
        return self.rng.choice(self.pool[key])

    def _nums(self, s: str) -> str:
        return s.format(n=self.rng.randint(12, 97), m=self.rng.randint(2, 9), k=self.rng.randint(100, 140))

    def sentence(self) -> str:
        r = self.rng.random()
        p = self.pick
        if self.lang == "de":
            if r < 0.3:
                s = f"{p('subject')} {p('verb')} {p('when')} {p('object')}, {p('attrib')}."
            elif r < 0.5:
                s = f"„{p('quote')}“, sagte {p('person')}, {p('role')}."
            elif r < 0.75:
                s = f"{p('connect')} {self._nums(p('fact'))}, {p('attrib')}."
            else:
                s = (f"{p('subject')} {p('verb')} {p('object')} {p('when')}; {self._nums(p('fact'))}, "
                     f"so {p('person')}.")
        else:
            if r < 0.3:
                s = f"{p('subject')} {p('verb')} {p('object')} {p('when')}, {p('attrib')}."
            elif r < 0.5:
                s = f"\u201c{p('quote')},\u201d said {p('person')}, {p('role')}."
            elif r < 0.75:
                s = f"{p('connect')} {self._nums(p('fact'))}, {p('attrib')}."
            else:
                s = (f"{p('subject')} {p('verb')} {p('object')} {p('when')}, and {self._nums(p('fact'))}, "
                     f"{p('person')} said.")
        return s[0].upper() + s[1:] if s[0].islower() else s

    def paragraph(self, lo: int = 2, hi: int = 5) -> str:
        while True:
            para = " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))
            if para not in self.seen:
                self.seen.add(para)
                return para

    def paragraphs(self, lo: int = 5, hi: int = 12) -> list[str]:
        return [self.paragraph() for _ in range(self.rng.randint(lo, hi))]

    def title(self) -> str:
        while True:
            p = self.pick
            t = f"{p('title_a')} {p('title_v')} {p('title_o')} {p('title_tail')}"
            if self.rng.random() < 0.3:
                t = f"{p('person')}: {t[0].lower() + t[1:]}" if self.lang == "en" else f"{p('person')}: {t}"
            if t not in self.seen:
                self.seen.add(t)
                return t

    def comment(self) -> str:
        """A reader's comment: informal, first person, distinct from article copy."""
        en = ["Honestly I {v} this whole thing, {x}.", "Been living here {n} years and {x}.",
              "Does anyone know {q}?", "Typical. {x}, as usual.", "Great reporting, thanks. {x}."]
        de = ["Ehrlich gesagt {v} ich das alles, {x}.", "Ich wohne seit {n} Jahren hier und {x}.",
              "Weiß jemand, {q}?", "Typisch. {x}, wie immer.", "Danke für den Bericht. {x}."]
        xs_en = ["nobody ever fixes the potholes on my street", "the buses are late every single morning",
                 "my rent went up again in spring", "the old bridge was perfectly fine",
                 "they should ask the people at the market", "my kids walk past that site every day",
                 "I remember when this was all fields", "the parking situation is a joke"]
        xs_de = ["niemand repariert die Schlaglöcher in meiner Straße", "der Bus kommt jeden Morgen zu spät",
                 "meine Miete ist im Frühjahr schon wieder gestiegen", "die alte Brücke war doch völlig in Ordnung",
                 "man sollte mal die Leute auf dem Markt fragen", "meine Kinder laufen jeden Tag dort vorbei"]
        qs_en = ["when the public meeting is", "who actually pays for this", "whether the library stays open"]
        qs_de = ["wann die Bürgerversammlung ist", "wer das eigentlich bezahlt", "ob die Bücherei offen bleibt"]
        de_ = self.lang == "de"
        while True:
            parts = []
            for _ in range(self.rng.randint(1, 3)):
                tpl = self.rng.choice(de if de_ else en)
                parts.append(tpl.format(v=self.rng.choice(["mag", "verstehe"] if de_ else ["like", "don't get"]),
                                        x=self.rng.choice(xs_de if de_ else xs_en),
                                        n=self.rng.randint(3, 40),
                                        q=self.rng.choice(qs_de if de_ else qs_en)))
            c = " ".join(parts)
            c = c[0].upper() + c[1:]
            if c not in self.seen:
                self.seen.add(c)
                return c


def slugify(title: str) -> str:
    t = title.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")[:70].rstrip("-")


def words(text: str, n: int) -> str:
    """The first ``n`` words of ``text`` (a CMS excerpt, before its ellipsis)."""
    return " ".join(text.split()[:n])
