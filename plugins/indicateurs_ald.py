"""n° 22 « Taux de patient en ALD avec MT » computed from the beneficiary-level table
``beneficiaires`` (issue 21 § 1): the computed form of the reported one
(``ALD_MEDECIN_TRAITANT_TAUX``, table ``mesures``), which takes it per caisse where the table
gives it (:mod:`cogind.analyses.forms`)."""
from cogind_plugins.seeds import S002, src

from cogind import AldMedecinTraitant, Indicator, hookimpl


@hookimpl
def cogind_register_indicators(registry):
    registry.add_indicator(Indicator(
        code="ALD_MEDECIN_TRAITANT_TAUX_CALCULE",
        libelle="Taux de patients en ALD avec médecin traitant (calculé de la table "
                "beneficiaires)",
        definition=("Part des patients en affection de longue durée (exonération ALD en cours "
                    "le dernier jour de la période) ayant ce jour-là un médecin traitant "
                    "déclaré, chaque bénéficiaire compté une fois : la forme calculée du n° 22 "
                    "(ALD_MEDECIN_TRAITANT_TAUX), qu'elle remplace par caisse où la table "
                    "beneficiaires la donne."),
        table="beneficiaires", measure=AldMedecinTraitant(reported="ALD_MEDECIN_TRAITANT_TAUX"), unit="%", direction="hausse",
        period_column="IMB_ALD_DTD",
        source=(src(S002, 9471, None, "Taux de patient en ALD avec MT 100% 100% 100% 100% "
                                      "100%"),
                src(S002, 2382, 2383, "Il passe par la déclaration d’un médecin "
                                       "traitant pour chaque assuré.")),
        notes=("Situation au dernier jour de chaque période (une année : au 31 décembre), pas "
               "une moyenne des mois ; les périodes sont celles des débuts d'ALD de la table. "
               "Un patient à plusieurs ALD compte une fois. Forme automatique du n° 22 : "
               "ALD_MEDECIN_TRAITANT_TAUX prend ce taux par caisse et période quand il a une "
               "valeur, sinon le chiffre déclaré dans mesures ; demandé sous son propre code, "
               "sans cible.")))
