"""Word lists for editorial QA (newsroom.domain.qa), and the lookups that use them.

The lists are deliberately small: each check needs enough words to separate the
four newsroom languages (fr, en, es, ca) and to recognise wire-copy furniture, not a
dictionary. Everything here is lowercase unless a comment says otherwise.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# High-frequency function words. Only the words that belong to exactly one list count
# as evidence (see DISTINCTIVE), so overlaps such as "la", "que", "on" are harmless.
STOPWORDS: dict[str, frozenset[str]] = {
    "fr": _words(
        "le la les l un une des du de d et ou mais donc car ni que qu qui dont où à au aux en"
        " dans par pour sur sous avec sans chez entre vers ce cet cette ces se sa son ses leur"
        " leurs il ils elle elles on nous vous je j tu est sont été être a ont avait avaient"
        " était étaient sera seront fait plus pas ne n y selon après avant aussi comme même"
        " tout tous toute toutes très cela ceci lors depuis"
    ),
    "en": _words(
        "the a an and or but of to in on at by for with from as is are was were be been being"
        " has have had will would can could should may might this that these those it its he"
        " she they them his her their we our us you your i not no do does did which who whom"
        " whose what when where while than then there here also after before over under into"
        " about said says just more most other some such only up out new first last"
    ),
    "es": _words(
        "el la los las lo un una unos unas de del al y e o u pero que quien cual cuyo donde"
        " en por para con sin sobre entre hacia desde hasta se su sus le les él ella ellos"
        " ellas nosotros es son fue fueron ser sido ha han había habían está están estaba como"
        " más muy también ya según tras este esta estos estas ese esa no ni otro otra"
    ),
    "ca": _words(
        "el la els les l un una uns unes de del dels d al als i o però que qui on en per amb"
        " sense sobre entre cap des fins es se s seu seva seus seves li ells elles nosaltres"
        " és són va van era eren ser estat ha han havia havien està estan com més molt també"
        " ja segons després aquest aquesta aquests aquestes aquell no ni altre altra"
    ),
}

DISTINCTIVE: dict[str, frozenset[str]] = {
    lang: words.difference(*(other for key, other in STOPWORDS.items() if key != lang))
    for lang, words in STOPWORDS.items()
}

# Words that cannot end a list item: a preposition or article directly before a comma
# means the item after it was dropped ("de la , de l’Allemagne"). Conjunctions and
# prepositions that may legitimately stand before a comma ("voter pour, ...",
# "et, selon lui, ...", "the man he spoke to, ...") are deliberately absent.
_FRENCH_SLOT_WORDS = (
    # The two-word forms come first so the span covers the whole article.
    # "un" and "une" are absent: "un, deux, trois" and "à la une, ..." are correct.
    r"de[ \u00a0\u202f]+la", r"de[ \u00a0\u202f]+l[’']", r"à[ \u00a0\u202f]+la",
    r"à[ \u00a0\u202f]+l[’']", "du", "des", "de", "la", "le",
    "les", r"l[’']", r"d[’']", "au", "aux", "à", "dans", "sur", "chez",
)
# English: articles only, prepositions are often stranded before a comma.
_ENGLISH_SLOT_WORDS = ("the", "an")
# Spanish and Catalan. "una" is absent: "a la una, ..." is a time of day.
_IBERIAN_SLOT_WORDS = ("el", "los", "las", "del", "al", "con", "para", "els", "dels", "als",
                       "amb")

# Per language, so a word of one ("an" in English) is not judged by another's rules
# ("en un an, la hausse..." is good French).
SLOT_WORDS: dict[str, tuple[str, ...]] = {
    "fr": _FRENCH_SLOT_WORDS,
    "en": _ENGLISH_SLOT_WORDS,
    "es": _IBERIAN_SLOT_WORDS,
    "ca": _IBERIAN_SLOT_WORDS,
}
ALL_SLOT_WORDS = _FRENCH_SLOT_WORDS + _ENGLISH_SLOT_WORDS + _IBERIAN_SLOT_WORDS

# A conjunction directly before a full stop or semicolon closes a list with no last item.
SLOT_CONJUNCTIONS: tuple[str, ...] = ("et", "ou", "and", "or", "y")

BOILERPLATE_LINE_START: tuple[str, ...] = (
    "related news", "related articles", "related stories", "related:", "read more",
    "read also", "see also", "lire aussi", "à lire aussi", "a lire aussi", "voir aussi",
    "lire la suite", "sur le même sujet", "lee también", "lea también", "leer más",
    "ver también", "llegiu també", "llegeix també", "vegeu també", "for latest updates",
    "for the latest updates", "follow us on", "suivez-nous sur", "síguenos en",
    "segueix-nos a", "subscribe", "abonnez-vous", "suscríbete", "subscriu-te", "click here",
    "cliquez ici", "haga clic aquí", "haz clic aquí", "fes clic aquí", "sign up for",
    "inscrivez-vous", "share this", "partager cet article",
)

BOILERPLATE_ANYWHERE: tuple[str, ...] = (
    "follow us on", "for latest updates", "suivez-nous sur", "síguenos en", "click here",
    "cliquez ici", "subscribe to our", "abonnez-vous à notre",
)

# Lines that are boilerplate only when they stand alone ("Publicité" is also a noun).
BOILERPLATE_WHOLE_LINE: frozenset[str] = frozenset(
    {"advertisement", "publicité", "publicidad", "publicitat", "share", "partager",
     "newsletter", "related", "sponsored", "contenu sponsorisé"}
)

# Last word of a partner-site header such as "News Day FR".
BRAND_SUFFIXES: frozenset[str] = frozenset(
    {"news", "day", "fr", "info", "infos", "actu", "actus", "today", "daily", "post",
     "times", "online", "tv", "media", "média", "médias", "presse", "press", "journal",
     "hebdo", "mag", "magazine", "live", "direct", "noticias", "diario", "notícies", "diari",
     "24", "24h", "net", "web", "com"}
)

MONTHS: frozenset[str] = _words(
    "janvier février fevrier mars avril mai juin juillet août aout septembre octobre"
    " novembre décembre decembre janv févr avr juil enero febrero marzo"
    " abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre gener"
    " febrer març maig juny juliol agost setembre octubre novembre desembre"
)
# English month and weekday names are matched capitalised only: "may" and "march"
# are also ordinary words.
MONTHS_EN: frozenset[str] = _words(
    "January February March April May June July August September October November"
    " December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec"
)
WEEKDAYS: frozenset[str] = _words(
    "lundi mardi mercredi jeudi vendredi samedi dimanche lunes martes miércoles jueves"
    " viernes sábado domingo dilluns dimarts dimecres dijous divendres dissabte diumenge"
    " aujourd hier demain hoy ayer anoche mañana avui ahir demà"
)
WEEKDAYS_EN: frozenset[str] = _words(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Today Yesterday Tomorrow"
    " Tonight today yesterday tomorrow tonight"
)

# Time-zone abbreviations, matched case-sensitively as whole words.
ZONE_ABBREVIATIONS: frozenset[str] = _words(
    "UTC GMT HNE HAE HNP HAP HNC HAC HNR HAR HNA HAA HNT HAT EST EDT CST CDT MST MDT PST"
    " PDT AKST AKDT HST AST ADT NST NDT ET PT CT MT CET CEST WET WEST EET EEST BST IST KST"
    " JST MSK AEST AEDT HEC HAEC"
)
ZONE_PHRASES: tuple[str, ...] = (
    "heure de", "heure du", "heure des", "heure locale", "heures locales", "heure avancée",
    "heure normale", "heure légale", "temps universel", "local time", "eastern time",
    "pacific time", "central time", "mountain time", "atlantic time", "hora local",
    "hora peninsular", "hora de", "hora del", "hora oficial", "hora central",
)

# Acronyms we know are correct, so a tie between two spellings resolves towards them,
# and two known acronyms are never variants of each other (ICBM and IRBM are both real).
KNOWN_ACRONYMS: frozenset[str] = _words(
    "KCNA NATO OTAN ONU UNO OMS WHO WTO OMC FMI IMF AIEA IAEA OIEA OPEC OPEP UNESCO"
    " UNICEF UNHCR UNHRC ACNUR HCR ICBM IRBM SLBM MRBM SRBM CEO CFO COO CTO NASA NSA CIA"
    " FBI USD EUR GBP JPY CAD GMT UTC EST EDT PST PDT CET CEST KST JST RPDC DPRK URSS USSR"
    " AFP REUTERS ASEAN APEC OCDE OECD BCE ECB PIB GDP ONG NGO COVID SIDA AIDS ADN DNA ARN"
    " RNA TVA VAT IVA PDG RDC DRC EAU UAE SNCF RATP CNN BBC CBC CBS NBC ABC RTVE TVE PSOE"
)

# Acronyms that legitimately change in translation (ONU -> UN, UE -> EU). Compared
# case-sensitively with the words of the translation.
ACRONYM_EQUIVALENTS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "ONU UN NU NNUU", "UE EU", "OTAN NATO", "OMS WHO", "FMI IMF", "OMC WTO",
        "AIEA IAEA OIEA", "OPEP OPEC", "PIB GDP", "BCE ECB", "CPI ICC", "CIJ ICJ",
        "ONG NGO", "EI IS ISIS EIIL", "RDC DRC", "RPDC DPRK", "EAU UAE", "URSS USSR",
        "HCR UNHCR ACNUR", "TVA VAT IVA", "SIDA AIDS", "ADN DNA", "ARN RNA", "PDG CEO",
        "OCDE OECD", "AELE EFTA",
        # and a few that come out as words: US -> États-Unis, UK -> Royaume-Uni
        "US USA EEUU EUA États Estados Estats", "UK RU Royaume Reino Regne",
    )
)

# Proper names whose spelling changes between fr, en, es and ca beyond a shared prefix
# (Allemagne, Germany, Alemania, Alemanya). Compared accent-folded and lowercase.
NAME_EQUIVALENTS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split())
    for group in (
        "coree korea corea", "allemagne germany alemania alemanya",
        "etats etat united states state estados estado estats estat",
        "royaume kingdom reino regne britain bretagne", "nouvelle new nueva nova", "sud south sur",
        "nord north norte", "est east este", "ouest west oeste oest occident occidente",
        "ukraine ucrania ucraina", "russie russia rusia", "koursk kursk",
        "moscou moscow moscu", "pekin beijing",
        "londres london", "chine china xina", "suisse switzerland suiza suissa",
        "espagne spain espana espanya", "grece greece grecia", "pays netherlands paises",
        "bas baixos bajos", "belgique belgium belgica", "inde india", "egypte egypt egipto",
        "afrique africa", "liban lebanon libano", "syrie syria siria", "irak iraq",
        "turquie turkey turkiye turquia", "pologne poland polonia", "hongrie hungary hungria",
        "suede sweden suecia", "norvege norway noruega", "danemark denmark dinamarca",
        "autriche austria", "irlande ireland irlanda", "ecosse scotland escocia",
        "angleterre england inglaterra anglaterra", "geneve geneva ginebra",
        "bruxelles brussels bruselas brusselles", "varsovie warsaw varsovia",
        "seoul seul", "tokyo tokio", "kiev kyiv",
        "maison house casa", "blanche white blanca", "conseil council consejo consell",
        "nations naciones nacions", "unies united unidas unides", "agence agency agencia",
        "ministere ministry ministerio ministeri", "union unio", "europe europa",
        "amerique america", "asie asia", "japon japan japo", "mexique mexico",
        "affaires affairs foreign asuntos exteriores afers exteriors",
        "zelande zealand zelanda",
    )
)

# Capitalised words that are not names, or are names every engine translates.
# Compared accent-folded and lowercase.
COMMON_CAPITALISED: frozenset[str] = _words(
    "monsieur madame president presidente presidenta premier premiere ministre minister"
    " ministro ministra mr mrs ms dr don dona sr sra senyor senyora foreign secretary"
    " department government gouvernement gobierno govern council court supreme national"
    " nationale nacional international internacional federal central committee comite"
    " commission office army navy air force forces party parti partido partit republic"
    " republique republica democratic democratique democratica people peoples popular"
    " populaire senate senat senado congress congres congreso parliament parlement"
    " parlamento assembly assemblee asamblea state etat estado"
)

# Roman numerals look like acronyms (VIII, XIII) but are not spellings of one another.
ROMAN_DIGITS: frozenset[str] = frozenset("IVXLCDM")


# Lookups ----------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_LEADING_FURNITURE = "•►▶»>-–—*:|#"
_HEADER_PUNCTUATION = frozenset(".,;:!?«»“”\"()")


def normalise_line(line: str) -> str:
    """Lowercase, one plain space between words, no leading bullet or arrow."""
    return _SPACES.sub(" ", line).strip().lstrip(_LEADING_FURNITURE).strip().lower()


def is_boilerplate(line: str) -> bool:
    norm = normalise_line(line)
    if len(norm) > 200:
        return False  # a real paragraph that happens to mention "read more"
    if norm.rstrip(" :.!") in BOILERPLATE_WHOLE_LINE:
        return True
    for phrase in BOILERPLATE_LINE_START:
        if norm.startswith(phrase) and (len(norm) == len(phrase)
                                        or not norm[len(phrase)].isalnum()):
            return True
    return any(phrase in norm for phrase in BOILERPLATE_ANYWHERE)


def is_site_header(line: str) -> bool:
    """A partner's brand line above the story, such as "News Day FR"."""
    tokens = line.split()
    if not 1 <= len(tokens) <= 4 or len(line.strip()) > 40:
        return False
    if any(c in _HEADER_PUNCTUATION for c in line):
        return False
    if not all(t[0].isupper() or t[0].isdigit() for t in tokens):
        return False
    return tokens[-1].lower() in BRAND_SUFFIXES


def other_language(tokens: list[str], lang: str) -> str | None:
    """The language that clearly beats `lang` on distinctive function words, if any.

    `tokens` are the lowercase words of one line. A quoted English phrase in a French
    paragraph is normal; a whole paragraph of another language is not, so this asks for
    a clear margin rather than a majority.
    """
    if lang not in DISTINCTIVE or len(tokens) < 3:
        return None
    scores = {code: sum(t in vocab for t in tokens) for code, vocab in DISTINCTIVE.items()}
    own = scores.pop(lang)
    best = max(scores, key=lambda code: scores[code])
    if scores[best] >= 2 and scores[best] >= 3 * own + 2:
        return best
    return None


def has_zone_phrase(paragraph: str) -> bool:
    norm = _SPACES.sub(" ", paragraph).lower()
    return any(phrase in norm for phrase in ZONE_PHRASES)


def is_date_word(token: str) -> bool:
    low = token.lower()
    return (low in MONTHS or low in WEEKDAYS or token in MONTHS_EN
            or token in WEEKDAYS_EN)


def is_common_word(token: str) -> bool:
    low = token.lower()
    return any(low in vocab for vocab in STOPWORDS.values()) or is_date_word(token)


def acronym_has_equivalent(acronym: str, present: set[str]) -> bool:
    return any(acronym in group and group & present for group in ACRONYM_EQUIVALENTS)


def name_present(folded: str, prefixes: set[str], stems_only: bool = False) -> bool:
    """Whether a name (accent-folded, lowercase) survives in a translation whose words'
    3-, 4- and 5-letter prefixes are `prefixes`. Engines adapt names (Moscou, Moscow,
    Moscú), so a shared stem counts, and so does a listed equivalent (Allemagne,
    Alemania). `stems_only` skips the shared-stem test, for acronyms."""
    if not stems_only and folded[: 4 if len(folded) >= 6 else 3] in prefixes:
        return True
    stem = folded[:5]
    return any(
        (folded in group or any(stem == m[:5] for m in group))
        and any(m[:5] in prefixes for m in group if len(m) >= 3)
        for group in NAME_EQUIVALENTS
    )
