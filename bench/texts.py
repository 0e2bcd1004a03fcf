"""French news texts for the translation benchmark (pure, deterministic).

``articles(count, seed)`` returns the seed article (the shared fixture
``seoul-dprk-fr.house.txt``: first line the headline, the rest the body) followed by
``count - 1`` generated articles of 300-900 words of body. Each generated article
has one topic (diplomacy, economy, climate, health, city politics, sport, culture,
technology): a headline, a lede with a dateline in the seed's style ("(Séoul) ..."),
then paragraphs of one to three sentences drawn without repetition from that
topic's sentences, from general news sentences (context, reactions, what comes next)
and from quotations; diplomacy also draws from the seed's own paragraphs. Sentences
carry slots (city, person, figures, weekday, month) filled per article. Every
sentence below was written for this benchmark, except the seed's.

``article_of_words(words, seed)`` builds one article of about that many words (the
latency benchmark's 600-word article).

Run ``python bench/texts.py`` for a summary of what ``articles(200)`` gives.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED_PATHS = (
    REPO.parent / "shared" / "fixtures" / "articles" / "seoul-dprk-fr.house.txt",
    REPO / "newsroom" / "demo" / "seoul-dprk-fr.house.txt",
)
SEED = 20240607
MIN_WORDS, MAX_WORDS = 300, 900


@dataclass(frozen=True)
class Text:
    headline: str
    body: str

    @property
    def words(self) -> int:
        """Whitespace-separated tokens of headline and body: the unit of words/s."""
        return len(self.headline.split()) + len(self.body.split())

    @property
    def body_words(self) -> int:
        return len(self.body.split())

    def as_plain(self) -> str:
        """Headline and body as one plain text, as a person would paste it."""
        return f"{self.headline}\n\n{self.body}\n"


def seed_text() -> Text:
    for path in SEED_PATHS:
        if path.is_file():
            headline, _, body = path.read_text("utf-8").partition("\n")
            return Text(headline.strip(), body.strip())
    raise FileNotFoundError("seed article not found in: " + ", ".join(map(str, SEED_PATHS)))


FILLERS: dict[str, tuple[str, ...]] = {
    "ville": ("Montréal", "Québec", "Ottawa", "Sherbrooke", "Gatineau", "Trois-Rivières",
              "Saguenay", "Laval", "Longueuil", "Rimouski", "Lévis", "Granby"),
    "capitale": ("Paris", "Bruxelles", "Genève", "Berlin", "Madrid", "Rome", "Tokyo",
                 "Séoul", "Washington", "Londres", "Ottawa", "Nairobi", "Dakar",
                 "Mexico", "Varsovie"),
    "pays": ("la France", "l’Allemagne", "l’Italie", "l’Espagne", "le Japon",
             "le Canada", "le Mexique", "le Sénégal", "le Kenya", "la Pologne",
             "le Brésil", "l’Australie"),
    "nom": ("Marie Tremblay", "Jean Gagnon", "Sophie Roy", "Luc Bouchard",
            "Nathalie Côté", "François Gauthier", "Isabelle Morin", "Pierre Lavoie",
            "Julie Fortin", "Marc Gagné", "Catherine Ouellet", "Daniel Pelletier",
            "Valérie Bélanger", "Éric Lévesque", "Amélie Bergeron", "Stéphane Girard"),
    "jour": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "mois": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre"),
    "equipe": ("le Canadien", "le CF Montréal", "le Rocket de Laval",
               "le Phoenix de Sherbrooke", "l’Océanic de Rimouski"),
    "festival": ("le Festival international de jazz", "le Festival d’été de Québec",
                 "le Festival du nouveau cinéma", "le Festival de musique émergente"),
    "entreprise": ("une entreprise de transport", "un fabricant de pièces d’avion",
                   "une chaîne d’épiceries", "une jeune pousse du jeu vidéo",
                   "une papetière régionale", "un producteur d’aluminium"),
}


def _number(rng: random.Random, kind: str) -> str:
    if kind == "n":
        return str(rng.choice((3, 4, 5, 6, 7, 8, 9, 12, 15, 18, 20, 25, 30, 40)))
    if kind == "centaines":
        return str(rng.randrange(120, 980, 10))
    if kind == "milliers":
        return f"{rng.randrange(1, 99)} {rng.randrange(0, 1000):03d}"
    if kind == "pct":
        return f"{rng.randrange(1, 20)},{rng.randrange(0, 10)} %"
    if kind == "millions":
        return f"{rng.randrange(2, 950)} millions de dollars"
    if kind == "milliards":
        return f"{rng.randrange(1, 40)},{rng.randrange(1, 10)} milliards de dollars"
    if kind == "annee":
        return str(rng.randrange(2026, 2036))
    raise KeyError(kind)


_SLOT = re.compile(r"\{(\w+)\}")
_NUMBERS = ("n", "centaines", "milliers", "pct", "millions", "milliards", "annee")


def fill(template: str, rng: random.Random, chosen: dict[str, str]) -> str:
    """Fills slots. Cities, teams and the like stay the same within one article; each
    person slot names someone new (until the names run out)."""

    def value(match: re.Match[str]) -> str:
        slot = match.group(1)
        if slot in _NUMBERS:
            return _number(rng, slot)
        if slot == "nom":
            used = chosen.setdefault("noms", "").split("|")
            name = rng.choice([n for n in FILLERS["nom"] if n not in used]
                              or FILLERS["nom"])
            chosen["noms"] += "|" + name
            return name
        if slot not in chosen:
            chosen[slot] = rng.choice(FILLERS[slot])
        return chosen[slot]

    text = _SLOT.sub(value, template)
    return text[0].upper() + text[1:]


# Topic: (headlines, ledes, sentences). A lede follows the dateline "(City) ".
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "diplomatie": (
        ("Les alliés haussent le ton face à Pyongyang",
         "Sommet à {capitale} : les chefs de la diplomatie cherchent un terrain d’entente",
         "Nouvelles sanctions contre la Russie après l’envoi de troupes",
         "L’ONU appelle à un cessez-le-feu immédiat",
         "Tensions diplomatiques entre {pays} et Moscou"),
        ("Les ministres des Affaires étrangères de plusieurs pays se sont réunis {jour} "
         "à {capitale} pour tenter de coordonner leur réponse à l’escalade du conflit.",
         "Le gouvernement a annoncé {jour} une nouvelle série de sanctions visant des "
         "entreprises soupçonnées d’aider l’effort de guerre russe.",
         "Le Conseil de sécurité des Nations unies s’est réuni d’urgence {jour} à la "
         "demande de {pays}, au lendemain d’une nouvelle vague de frappes."),
        ("Les discussions, qui devaient durer deux heures, se sont prolongées jusque tard "
         "dans la soirée, selon plusieurs diplomates présents.",
         "Aucune déclaration commune n’a été adoptée à l’issue de la rencontre, faute "
         "d’accord sur la formulation du paragraphe consacré aux sanctions.",
         "Le texte final appelle toutes les parties à respecter le droit international "
         "humanitaire et à protéger les populations civiles.",
         "Selon des images satellites analysées par des chercheurs indépendants, des "
         "convois militaires ont été observés près de la frontière au cours des derniers "
         "jours.",
         "Les nouvelles mesures visent {n} entreprises et une vingtaine de personnes, dont "
         "des responsables de la défense et des intermédiaires financiers.",
         "Plusieurs pays européens ont déjà annoncé qu’ils augmenteraient leur aide "
         "militaire au cours des prochains mois.",
         "Moscou a rejeté ces accusations, qualifiant les sanctions d’ingérence dans les "
         "affaires intérieures de la Russie.",
         "Le ministre a rappelé que {pays} avait déjà versé plus de {milliards} en aide "
         "humanitaire et militaire depuis le début de la guerre.",
         "Les experts estiment que le déploiement de soldats étrangers marque un tournant "
         "dans un conflit qui s’enlise depuis près de trois ans.",
         "L’ambassadeur a été convoqué au ministère des Affaires étrangères pour "
         "s’expliquer sur les déclarations de son gouvernement.",
         "La question des sanctions divise toutefois les alliés, certains craignant leurs "
         "effets sur les prix de l’énergie.",
         "Une nouvelle rencontre est prévue en {mois} à {capitale}, où les ministres "
         "tenteront de s’entendre sur un plan commun.",
         "Les organisations humanitaires réclament depuis des semaines un accès sans "
         "entrave aux zones touchées par les combats.",
         "Le porte-parole du gouvernement a refusé de confirmer le nombre exact de soldats "
         "déployés, invoquant des raisons de sécurité.",
         "Les services de renseignement évaluent à plusieurs milliers le nombre de "
         "militaires envoyés dans la région depuis l’automne.",
         "La Chine, de son côté, a appelé à la retenue et proposé d’accueillir des "
         "pourparlers de paix.",
         "Le secrétaire général de l’ONU s’est dit profondément préoccupé par "
         "l’élargissement du conflit à de nouveaux acteurs."),
    ),
    "economie": (
        ("La Banque du Canada maintient son taux directeur",
         "L’inflation ralentit à {pct} en {mois}",
         "{entreprise} supprime des centaines d’emplois",
         "Le prix de l’essence grimpe à la veille des vacances",
         "Les ménages s’endettent davantage pour se loger"),
        ("La Banque du Canada a choisi {jour} de maintenir son taux directeur, estimant "
         "que l’inflation restait trop élevée pour justifier une baisse.",
         "L’indice des prix à la consommation a augmenté de {pct} sur un an en {mois}, a "
         "annoncé {jour} Statistique Canada.",
         "{entreprise} de {ville} a annoncé {jour} la suppression de {centaines} emplois "
         "d’ici la fin de l’année."),
        ("Les économistes s’attendaient à cette décision, qui reflète la prudence de la "
         "banque centrale face à un marché du travail encore solide.",
         "Le prix des aliments achetés en magasin a progressé plus vite que l’ensemble des "
         "biens et services, ce qui pèse sur le budget des familles.",
         "Les loyers ont bondi de {pct} sur douze mois, la plus forte hausse parmi les grandes "
         "catégories de dépenses.",
         "La direction invoque la baisse des commandes et la concurrence étrangère pour "
         "justifier ces compressions.",
         "Le syndicat dénonce une décision brutale et demande une rencontre d’urgence avec "
         "la direction et le ministre de l’Économie.",
         "Le gouvernement a promis une aide de {millions} pour soutenir la modernisation "
         "de l’usine et préserver une partie des emplois.",
         "Le taux de chômage s’est établi à {pct} le mois dernier, en légère hausse par "
         "rapport au mois précédent.",
         "Les exportations vers les États-Unis ont reculé, notamment dans les secteurs du "
         "bois d’œuvre et de l’aluminium.",
         "Plusieurs analystes prévoient néanmoins une reprise graduelle de la croissance "
         "au cours du second semestre.",
         "Les entreprises disent avoir de plus en plus de mal à recruter de la main-d’œuvre "
         "qualifiée, en particulier dans les régions.",
         "La dette des ménages a atteint un sommet, alimentée par les prêts hypothécaires "
         "contractés lorsque les taux étaient au plus bas.",
         "Le dollar canadien a réagi à peine à l’annonce, s’échangeant autour de "
         "{n} cents de moins qu’en début d’année.",
         "La prochaine décision sur les taux est attendue en {mois}, après la publication "
         "de nouvelles données sur l’emploi.",
         "Les petites entreprises réclament un allègement fiscal pour faire face à la "
         "hausse de leurs coûts.",
         "Selon une étude récente, près d’un ménage sur trois aurait du mal à absorber une "
         "dépense imprévue de {centaines} dollars.",
         "La Bourse de Toronto a clôturé en hausse, portée par les titres du secteur de "
         "l’énergie et des banques."),
    ),
    "climat": (
        ("Feux de forêt : des milliers de personnes évacuées",
         "Le gouvernement dévoile son plan pour réduire les émissions",
         "Pluies diluviennes : {ville} compte ses dégâts",
         "Une saison des glaces de plus en plus courte",
         "Les municipalités réclament de l’aide pour s’adapter aux changements climatiques"),
        ("Plus de {milliers} personnes ont dû quitter leur domicile {jour} alors que des "
         "incendies de forêt menaçaient plusieurs localités du nord du Québec.",
         "Le gouvernement a présenté {jour} un plan visant à réduire de {pct} les émissions "
         "de gaz à effet de serre d’ici {annee}.",
         "Des pluies torrentielles se sont abattues {jour} sur {ville}, inondant des "
         "sous-sols et coupant plusieurs routes."),
        ("Les pompiers forestiers combattent une centaine de foyers actifs, dont une "
         "vingtaine sont jugés hors de contrôle.",
         "Des renforts venus d’autres provinces et de l’étranger sont attendus au cours "
         "des prochains jours.",
         "La fumée des incendies a provoqué une alerte à la qualité de l’air dans "
         "plusieurs villes du sud de la province.",
         "Les groupes environnementaux jugent le plan insuffisant et réclament des cibles "
         "contraignantes pour les grands émetteurs industriels.",
         "Le plan prévoit notamment l’électrification des transports collectifs et des "
         "subventions pour la rénovation énergétique des maisons.",
         "Il est tombé plus de {centaines} millimètres de pluie en moins de vingt-quatre "
         "heures, du jamais vu depuis le début des relevés.",
         "Les équipes municipales ont travaillé toute la nuit pour dégager les égouts "
         "pluviaux et pomper l’eau des rues inondées.",
         "Les assureurs prévoient une hausse des réclamations et, à terme, des primes pour "
         "les propriétaires des secteurs à risque.",
         "Les scientifiques rappellent que les événements météorologiques extrêmes "
         "deviennent plus fréquents et plus intenses avec le réchauffement.",
         "La saison des glaces sur le fleuve a raccourci de plusieurs semaines en un "
         "demi-siècle, selon des données d’Environnement Canada.",
         "Les agriculteurs s’inquiètent des effets de la sécheresse sur les récoltes de "
         "foin et de maïs.",
         "La municipalité a ouvert un centre d’hébergement temporaire dans l’aréna pour "
         "accueillir les sinistrés.",
         "Le ministre de l’Environnement a promis de rendre publics chaque année les "
         "progrès réalisés vers l’atteinte des cibles.",
         "Les villes demandent un financement stable pour adapter leurs infrastructures, "
         "qu’elles estiment à plus de {milliards} sur dix ans.",
         "Une évaluation complète des dégâts prendra plusieurs semaines, a prévenu la "
         "sécurité civile."),
    ),
    "sante": (
        ("Urgences débordées : les patients attendent plus de {n} heures",
         "Pénurie d’infirmières : Québec mise sur le recrutement à l’étranger",
         "Une nouvelle campagne de vaccination contre la grippe",
         "Les délais en chirurgie se résorbent lentement"),
        ("Le taux d’occupation des urgences dépassait 150 % {jour} dans plusieurs "
         "hôpitaux de la région de {ville}.",
         "Le ministère de la Santé a annoncé {jour} le recrutement de {centaines} "
         "infirmières formées à l’étranger d’ici la fin de l’année.",
         "La campagne annuelle de vaccination contre la grippe et la COVID-19 commencera "
         "en {mois}, a annoncé {jour} la santé publique."),
        ("Les patients doivent attendre en moyenne plus de dix-huit heures sur une civière "
         "avant d’être admis dans une unité de soins.",
         "La Fédération des infirmières dénonce le recours aux heures supplémentaires "
         "obligatoires, qui épuise le personnel.",
         "Le ministre affirme que la situation s’améliorera avec l’ouverture de nouvelles "
         "cliniques d’infirmières praticiennes.",
         "Les personnes âgées et les personnes atteintes de maladies chroniques sont "
         "invitées à se faire vacciner en priorité.",
         "Plus de {milliers} personnes attendent toujours une chirurgie, dont plusieurs "
         "depuis plus d’un an.",
         "Les infirmières recrutées suivront une formation d’appoint avant de pouvoir "
         "exercer dans le réseau public.",
         "Les médecins de famille disent manquer de temps pour suivre tous les patients "
         "inscrits à leur clinique.",
         "Une nouvelle plateforme de prise de rendez-vous en ligne doit réduire le nombre "
         "de visites évitables aux urgences.",
         "Les experts recommandent de consulter le 811 avant de se rendre à l’hôpital pour "
         "un problème non urgent.",
         "Les régions éloignées restent les plus touchées par la pénurie de personnel, "
         "certaines urgences devant fermer la nuit.",
         "Le budget de la santé atteindra cette année plus de {milliards}, une hausse de "
         "{pct} par rapport à l’an dernier.",
         "Les syndicats réclament des ratios sécuritaires entre le nombre de patients et "
         "le nombre d’infirmières.",
         "La santé publique rappelle que le lavage des mains demeure l’un des meilleurs "
         "moyens de limiter la propagation des virus respiratoires.",
         "Le nombre d’hospitalisations liées à la grippe a doublé en deux semaines, selon "
         "les dernières données."),
    ),
    "ville": (
        ("{ville} adopte un budget en hausse de {pct}",
         "Le transport en commun gratuit pour les aînés",
         "Crise du logement : la mairesse promet {centaines} nouveaux logements",
         "Chantiers : la circulation sera perturbée tout l’été",
         "Le conseil municipal se divise sur le projet de tramway"),
        ("Le conseil municipal de {ville} a adopté {jour} un budget de {millions}, en "
         "hausse de {pct} par rapport à l’an dernier.",
         "La mairesse de {ville}, {nom}, a annoncé {jour} la construction de {centaines} "
         "logements abordables d’ici {annee}.",
         "Les travaux de réfection de la rue principale de {ville} commenceront en {mois} "
         "et dureront jusqu’à l’automne."),
        ("La hausse des taxes foncières sera limitée à {pct} pour les propriétaires "
         "résidentiels, selon l’administration.",
         "L’opposition reproche à l’administration de ne pas avoir réduit ses dépenses de "
         "fonctionnement.",
         "Le projet de tramway, estimé à plus de {milliards}, doit encore obtenir le feu "
         "vert du gouvernement.",
         "Les commerçants du centre-ville craignent une baisse de leur achalandage pendant "
         "la durée des travaux.",
         "Des mesures d’atténuation, dont des navettes gratuites et des stationnements "
         "incitatifs, seront mises en place.",
         "Le taux d’inoccupation des logements locatifs est tombé sous la barre de 1 %, "
         "un creux historique.",
         "Les organismes communautaires constatent une hausse marquée du nombre de "
         "personnes en situation d’itinérance.",
         "La Ville entend acheter des terrains et des immeubles pour les confier à des "
         "coopératives et à des organismes sans but lucratif.",
         "La séance du conseil, qui a duré plus de quatre heures, a été marquée par de "
         "vifs échanges entre les élus.",
         "Des citoyens ont manifesté devant l’hôtel de ville pour réclamer davantage de "
         "pistes cyclables sécuritaires.",
         "Le service de police recevra une enveloppe supplémentaire pour embaucher une "
         "trentaine d’agents.",
         "La société de transport prévoit d’ajouter des autobus électriques à sa flotte au "
         "cours des trois prochaines années.",
         "Le déneigement représente à lui seul près de {pct} des dépenses de la Ville.",
         "Le maire de l’arrondissement a demandé que les résidents soient mieux consultés "
         "avant le début des chantiers.",
         "Un registre sera ouvert en {mois} pour permettre aux citoyens de s’opposer au "
         "règlement d’emprunt."),
    ),
    "sport": (
        ("{equipe} signe une troisième victoire de suite",
         "Défaite crève-cœur pour {equipe} en prolongation",
         "Une jeune athlète de {ville} vise les Jeux olympiques",
         "Le marathon attire un nombre record de coureurs"),
        ("{equipe} a remporté {jour} un troisième match de suite, grâce à un but marqué "
         "en fin de troisième période.",
         "{equipe} s’est incliné {jour} en prolongation, malgré une remontée spectaculaire "
         "en deuxième demie.",
         "Plus de {milliers} coureurs ont pris part {jour} au marathon de {ville}, un record "
         "de participation."),
        ("L’entraîneur s’est dit satisfait de l’effort de ses joueurs, tout en soulignant "
         "que l’équipe devait encore améliorer son jeu défensif.",
         "Le gardien a réalisé une trentaine d’arrêts, dont plusieurs en supériorité "
         "numérique adverse.",
         "La foule de {milliers} spectateurs a réservé une ovation debout aux joueurs à la "
         "fin de la rencontre.",
         "L’équipe occupe désormais le quatrième rang de sa division, à trois points d’une "
         "place en séries.",
         "Le capitaine a quitté le match au deuxième tiers en raison d’une blessure au bas "
         "du corps et sera évalué demain.",
         "La jeune nageuse s’entraîne six jours par semaine et combine ses études "
         "universitaires avec la compétition.",
         "Elle a amélioré son record personnel de près de deux secondes lors des "
         "championnats canadiens.",
         "Les organisateurs ont dû prévoir davantage de points d’eau en raison de la "
         "chaleur annoncée.",
         "Le vainqueur a bouclé le parcours en un peu plus de deux heures et quinze "
         "minutes, à quelques secondes du record de l’épreuve.",
         "La prochaine rencontre aura lieu {jour} à domicile, contre l’une des meilleures "
         "équipes du circuit.",
         "Le directeur général n’exclut pas une transaction avant la date limite, afin de "
         "renforcer la brigade défensive.",
         "Les partisans ont envahi les rues du centre-ville après la victoire, sans "
         "incident majeur selon la police.",
         "Les fédérations sportives réclament plus d’argent pour l’entretien des "
         "installations, dont plusieurs datent des années 1970."),
    ),
    "culture": (
        ("{festival} dévoile sa programmation",
         "Un roman québécois en lice pour un grand prix européen",
         "Les salles de spectacle peinent à remplir leurs sièges",
         "Le musée accueille une exposition consacrée aux peintres du Nord"),
        ("{festival} a dévoilé {jour} une programmation qui fait la part belle aux artistes "
         "de la relève et aux musiques du monde.",
         "Le dernier roman de {nom}, paru cet hiver, figure dans la sélection d’un "
         "prestigieux prix littéraire européen.",
         "Le Musée des beaux-arts de {ville} présentera à compter de {mois} une exposition "
         "consacrée aux peintres du Nord canadien."),
        ("Plus de {centaines} concerts, dont une bonne partie en plein air et gratuits, "
         "sont prévus pendant dix jours.",
         "Les organisateurs espèrent attirer plus d’un million de visiteurs, comme avant "
         "la pandémie.",
         "L’ouvrage raconte le retour d’une femme dans le village de son enfance, "
         "quarante ans après l’avoir quitté.",
         "Les libraires constatent un engouement pour la littérature québécoise, en "
         "particulier chez les jeunes lecteurs.",
         "Le prix sera remis en {mois} lors d’une cérémonie à {capitale}.",
         "Les diffuseurs observent que le public achète ses billets de plus en plus tard, "
         "ce qui complique la planification des saisons.",
         "La hausse des coûts de production oblige plusieurs compagnies de théâtre à "
         "réduire le nombre de représentations.",
         "L’exposition réunit près de {centaines} œuvres, dont plusieurs n’avaient jamais "
         "été présentées au public.",
         "La commissaire de l’exposition a passé trois ans à retrouver des toiles "
         "dispersées dans des collections privées.",
         "Le conseil des arts a annoncé une aide d’urgence de {millions} pour soutenir les "
         "organismes les plus fragiles.",
         "Le film, tourné en grande partie en région, prendra l’affiche dans les salles à "
         "la fin du mois.",
         "Les plateformes d’écoute en ligne versent aux artistes des redevances jugées "
         "insuffisantes par l’industrie.",
         "La soirée d’ouverture sera présentée sur la grande scène extérieure, au cœur du "
         "quartier des spectacles."),
    ),
    "techno": (
        ("L’intelligence artificielle s’invite dans les écoles",
         "Une cyberattaque paralyse les services de {ville}",
         "Québec veut encadrer l’utilisation des données personnelles",
         "{entreprise} mise sur l’automatisation"),
        ("Une cyberattaque a paralysé {jour} plusieurs services en ligne de la Ville de "
         "{ville}, dont le paiement des taxes et la réservation d’activités.",
         "Le ministère de l’Éducation a publié {jour} des lignes directrices sur "
         "l’utilisation de l’intelligence artificielle en classe.",
         "{entreprise} a annoncé {jour} un investissement de {millions} pour automatiser "
         "ses usines."),
        ("Les pirates réclament une rançon, que la Ville a refusé de payer sur la "
         "recommandation des experts en sécurité informatique.",
         "Aucune donnée personnelle n’aurait été dérobée, selon les premières conclusions "
         "de l’enquête.",
         "Les enseignants pourront utiliser ces outils pour préparer leurs cours, mais les "
         "élèves devront citer leurs sources.",
         "Plusieurs directions d’école s’inquiètent du plagiat et réclament une formation "
         "pour le personnel.",
         "Le projet de loi obligerait les entreprises à déclarer tout incident de sécurité "
         "touchant des renseignements personnels.",
         "Les amendes pourraient atteindre {pct} du chiffre d’affaires mondial des "
         "entreprises fautives.",
         "La direction assure que l’automatisation n’entraînera pas de mises à pied, les "
         "employés étant affectés à d’autres tâches.",
         "Les robots permettront de doubler la cadence de production d’ici deux ans, selon "
         "l’entreprise.",
         "La Sûreté du Québec a ouvert une enquête et travaille avec le Centre canadien "
         "pour la cybersécurité.",
         "Les citoyens sont invités à se méfier des courriels frauduleux qui pourraient se "
         "réclamer de la Ville.",
         "Les spécialistes rappellent que les sauvegardes régulières restent la meilleure "
         "protection contre les rançongiciels.",
         "Le secteur des technologies emploie plus de {milliers} personnes dans la région "
         "de {ville}."),
    ),
}

GENERAL: tuple[str, ...] = (
    "La nouvelle a été accueillie avec prudence par les observateurs, qui attendent de "
    "voir comment les engagements se traduiront sur le terrain.",
    "Les détails du projet doivent être précisés au cours des prochaines semaines, selon "
    "le cabinet du ministre.",
    "L’opposition a réclamé la tenue d’une commission parlementaire pour faire la lumière "
    "sur le dossier.",
    "Plusieurs questions restent sans réponse, notamment sur le calendrier et le coût "
    "total des mesures annoncées.",
    "Un sondage mené en {mois} indiquait qu’une majorité de répondants jugeaient la "
    "situation préoccupante.",
    "La situation sera réévaluée d’ici la fin du mois, a indiqué un porte-parole.",
    "Les autorités ont promis de faire le point quotidiennement sur l’évolution de la "
    "situation.",
    "Il s’agit de la {n}e annonce du genre depuis le début de l’année.",
    "Le dossier avait déjà fait les manchettes l’an dernier, lorsque des documents "
    "internes avaient été rendus publics.",
    "Le gouvernement fédéral n’a pas encore fait connaître sa position.",
    "Des représentants de la société civile ont été invités à participer aux prochaines "
    "consultations.",
    "Selon les données les plus récentes, la tendance observée depuis deux ans se "
    "poursuit.",
    "Plusieurs intervenants ont salué une avancée, tout en rappelant que le plus difficile "
    "restait à faire.",
    "Le rapport, de plus de {centaines} pages, formule une quarantaine de "
    "recommandations.",
    "Les premières mesures devraient entrer en vigueur dès {mois}, si tout se déroule "
    "comme prévu.",
    "Joint par téléphone, un responsable a refusé de commenter, invoquant des "
    "discussions en cours.",
    "Des experts consultés par notre journal estiment que l’objectif est ambitieux mais "
    "réalisable.",
    "La décision pourrait être contestée devant les tribunaux, préviennent certains "
    "juristes.",
    "Le sujet devrait revenir à l’ordre du jour lors de la prochaine session "
    "parlementaire.",
    "Ce n’est pas la première fois que la question soulève la controverse.",
    "Les chiffres publiés {jour} confirment une tendance amorcée au printemps.",
    "Des rencontres sont prévues avec les partenaires concernés au cours de l’été.",
    "Il faudra toutefois attendre plusieurs mois avant d’en mesurer les effets réels.",
    "Le ministère a indiqué qu’il suivait la situation de près.",
)

QUOTES: tuple[str, ...] = (
    "« Nous ne pouvons pas rester les bras croisés pendant que la situation se "
    "détériore », a déclaré {nom} lors d’un point de presse.",
    "« C’est une décision difficile, mais nécessaire », a affirmé {nom}, qui dit avoir "
    "consulté tous les partenaires.",
    "« Les gens sont inquiets et ils ont raison de l’être », a souligné {nom}, "
    "porte-parole d’un regroupement de citoyens.",
    "« On nous promet des solutions depuis des années, mais rien ne change », déplore "
    "{nom}, qui habite le quartier depuis vingt ans.",
    "« Il faut se donner les moyens de nos ambitions », a plaidé {nom} devant les membres "
    "de la chambre de commerce.",
    "« Nous allons prendre le temps d’analyser le rapport avant de réagir », a indiqué "
    "{nom} par voie de communiqué.",
    "« C’est un premier pas, mais ce n’est pas suffisant », estime {nom}, professeure à "
    "l’Université de Montréal.",
    "« Personne ne s’attendait à une telle ampleur », a reconnu {nom}, visiblement "
    "ébranlé.",
    "« Nous avons besoin de prévisibilité pour planifier nos investissements », a "
    "expliqué {nom}, à la tête d’une entreprise familiale.",
    "« Je suis fière du travail accompli par nos équipes », a lancé {nom} sous les "
    "applaudissements.",
    "« La population mérite des réponses claires », a insisté {nom}, qui réclame une "
    "enquête indépendante.",
    "« Nous restons ouverts au dialogue, mais nos demandes sont légitimes », a "
    "soutenu {nom}.",
    "Selon {nom}, analyste, « la marge de manœuvre est mince, et les prochains mois "
    "seront déterminants ».",
    "« On voit déjà une différence sur le terrain », affirme {nom}, qui travaille dans le "
    "milieu depuis quinze ans.",
)

_SENTENCE = re.compile(r"(?<=[.!?»])\s+(?=[A-ZÀÂÉÈÊÎÔÛÇ«(])")


def _balanced(paragraph: str) -> bool:
    depth = 0
    for char in paragraph:
        if char == "«":
            depth += 1
            if depth > 1:
                return False
        elif char == "»":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def seed_sentences() -> tuple[str, ...]:
    """The seed's paragraphs (less the lede and any with nested or unclosed quotes)."""
    paragraphs = [p.strip() for p in seed_text().body.split("\n\n") if p.strip()]
    return tuple(p for p in paragraphs[1:] if _balanced(p))


def _words(text: str) -> int:
    return len(text.split())


def generate(rng: random.Random, target: int, topic: str | None = None) -> Text:
    """One article of about `target` words of body (within MIN_WORDS..MAX_WORDS)."""
    topic = topic or rng.choice(sorted(TOPICS))
    headlines, ledes, sentences = TOPICS[topic]
    chosen: dict[str, str] = {}
    pools: dict[str, list[str]] = {
        "topic": list(sentences) + (list(seed_sentences()) if topic == "diplomatie" else []),
        "general": list(GENERAL),
        "quote": list(QUOTES),
    }
    for pool in pools.values():
        rng.shuffle(pool)
    weights = {"topic": 6, "general": 3, "quote": 1}

    def draw() -> str:
        names = [n for n in weights if pools[n]] or list(weights)
        name = rng.choices(names, [weights[n] for n in names])[0]
        if not pools[name]:  # everything used once: start again, other slot values
            pools[name] = list(sentences if name == "topic" else
                               GENERAL if name == "general" else QUOTES)
            rng.shuffle(pools[name])
        return fill(pools[name].pop(), rng, chosen)

    place = "capitale" if topic == "diplomatie" else "ville"
    dateline = f"({chosen.setdefault(place, rng.choice(FILLERS[place]))})"
    paragraphs = [f"{dateline} {fill(rng.choice(ledes), rng, chosen)}"]
    count = _words(paragraphs[0])
    while count < target:
        paragraph = " ".join(draw() for _ in range(rng.choice((1, 1, 2, 2, 3))))
        if count + _words(paragraph) > MAX_WORDS:
            if count >= MIN_WORDS:
                break
            paragraph = draw()
        paragraphs.append(paragraph)
        count += _words(paragraph)
    return Text(fill(rng.choice(headlines), rng, chosen), "\n\n".join(paragraphs))


def articles(count: int = 200, seed: int = SEED) -> list[Text]:
    """The seed article, then count - 1 generated ones; the same for the same seed."""
    rng = random.Random(seed)
    texts = [seed_text()]
    topics = sorted(TOPICS)
    for index in range(1, count):
        target = rng.randint(MIN_WORDS, MAX_WORDS)
        texts.append(generate(random.Random(rng.getrandbits(64)), target,
                              topics[index % len(topics)]))
    return texts


def article_of_words(words: int, seed: int = SEED) -> Text:
    """One generated article of `words` words of body, give or take ten."""
    rng = random.Random(seed * 31 + words)
    while True:
        text = generate(random.Random(rng.getrandbits(64)), words)
        if abs(text.body_words - words) <= 10:
            return text


def main() -> None:
    texts = articles(200)
    sizes = [t.body_words for t in texts]
    print(f"{len(texts)} articles, body words min {min(sizes)} max {max(sizes)} "
          f"mean {sum(sizes) / len(sizes):.0f}, total words {sum(t.words for t in texts)}")
    sample = texts[1]
    print(f"\n{sample.headline}\n\n{sample.body[:1200]}...")
    fixed = article_of_words(600)
    print(f"\narticle_of_words(600): {fixed.body_words} words: {fixed.headline}")


if __name__ == "__main__":
    main()
