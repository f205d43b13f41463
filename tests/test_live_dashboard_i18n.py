"""The facilitator's dashboard in other languages (the "dashboard" gettext domain): every
message of widgets/session and widgets/mapping is translated into every language, and a
dashboard built in French shows French buttons, headings and explanations (the session's own
texts as they are)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_live_map_panel import mapped_session

from coprod_widgets.i18n import (
    LANGUAGES,
    catalog_problems,
    current_language,
    extract_messages,
    set_language,
    use_language,
)
from coprod_widgets.session.views import LiveDashboard


def test_every_dashboard_message_is_translated() -> None:
    assert catalog_problems("dashboard") == []
    ids = {m.id for m in extract_messages("dashboard") if m.id}
    assert {"Approve", "Moderation queue", "Needs ranked by support", "Community map"} <= ids
    assert len(ids) > 200


def test_a_french_dashboard(tmp_path: Path) -> None:
    db, _ids = mapped_session(tmp_path, people=8)
    with use_language("fr"):
        board = LiveDashboard(db)
        queue = board.children[6]
        assert "File de modération" in queue.children[0].value  # type: ignore[attr-defined]
        row = board.queue_box.children[0]
        assert [b.description for b in row.children[2:]] == ["Approuver", "Rejeter"]
        assert row.children[0].value == "Dark corner 0"  # a participant's text, as written
        assert (
            row.children[1].value
            == "Texte d'un lieu pour Votre quartier sur la carte : besoin, lighting, South"
        )
        panel = board.panels["mapping"]
        # the title the core gives a mapping activity without its own, translated
        assert "Carte de la communauté : Votre quartier sur la carte" in panel.header.value
        assert "ouverte · 8 ont répondu" in panel.header.value
        assert "Besoins classés par soutien" in panel.body.value
        assert "8 ont répondu" in board.agenda.rows["mapping"].answered.value
        assert board.agenda.rows["mapping"].open_button.description == "Ouvrir"
        assert board.agenda.rows["appraisal"].next_button.description == "Lancer le tour 2"
        board.moderate_place("mapping", "nowhere", accept=True)
        assert "Pas fait" in board.queue_message.value
        board.show_on_screen("mapping")
        board.present.value = True
        assert "lieux cartographiés" in board.present_view.screen.value
    assert current_language() == "en"


@pytest.mark.parametrize("lang", [x for x in LANGUAGES if x != "en"])
def test_the_lang_parameter_sets_the_kernels_language(tmp_path: Path, lang: str) -> None:
    db, _ids = mapped_session(tmp_path, people=3)
    before = current_language()
    try:
        board = LiveDashboard(db, lang=lang)
        assert current_language() == lang
        assert board.queue_box.children[0].children[2].description != "Approve"
        board.refresh()  # redrawn later (the poller), still in that language
        assert board.agenda.rows["mapping"].show_button.description != "Show on screen"
    finally:
        set_language(before)
