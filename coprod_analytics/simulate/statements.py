"""The sample inquiry's statements and its opinion space.

:data:`SAMPLE_STATEMENTS` are the 60 statements of the Riverside Citizens' Inquiry, each a
:class:`SampleStatement` with its text, planted role and lean in the 2-D opinion space; the
positions and names of the planted opinion groups in that space are here too (used by
:func:`~coprod_analytics.simulate.votes.simulate_inquiry`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SAMPLE_STATEMENTS", "SampleStatement"]


@dataclass(frozen=True)
class SampleStatement:
    """A statement of the sample inquiry: its text, planted role and lean in opinion space.

    Attributes
    ----------
    text : str
        The statement as participants see it.
    role : str
        Its planted role: ``"consensus"`` (nearly everyone agrees), ``"consensus-disagree"``
        (nearly everyone disagrees), ``"divisive"`` (splits the groups) or ``"group"``
        (some groups lean one way).
    lean : tuple of (float, float), default (0.0, 0.0)
        Its direction in the 2-D opinion space: a group agrees more the further its
        position lies along it (no lean: only the role's overall agreement counts).

    Examples
    --------
    >>> s = SampleStatement("Every street should have a bench.", "consensus")
    >>> s.lean
    (0.0, 0.0)
    >>> sum(st.role == "divisive" for st in SAMPLE_STATEMENTS), len(SAMPLE_STATEMENTS)
    (7, 60)
    """

    text: str
    role: str
    lean: tuple[float, float] = (0.0, 0.0)


# Riverside Citizens' Inquiry: "How should we change travel in and around the town centre?"
# Opinion axes: x = cars first (+) vs walking/cycling/buses first (-);
#               y = change fast (+) vs protect what works / access for older people (-).
SAMPLE_STATEMENTS: tuple[SampleStatement, ...] = (
    SampleStatement(
        "Every bus stop should have a shelter and a real-time departures board.", "consensus"
    ),
    SampleStatement(
        "Crossings near schools should be made safer before anything else is done.", "consensus"
    ),
    SampleStatement("The town centre needs more benches and public toilets.", "consensus"),
    SampleStatement(
        "Street lighting on the routes to the station should be improved.", "consensus"
    ),
    SampleStatement(
        "Pavements should be repaired so that wheelchairs and buggies can use them.", "consensus"
    ),
    SampleStatement(
        "The council should publish what it changes because of this inquiry.", "consensus"
    ),
    SampleStatement(
        "Delivery lorries should unload outside the busiest shopping hours.", "consensus"
    ),
    SampleStatement("Bus timetables should connect with the trains at the station.", "consensus"),
    SampleStatement(
        "Residents do not need to be consulted on transport decisions.", "consensus-disagree"
    ),
    SampleStatement("Potholes are not worth fixing in the town centre.", "consensus-disagree"),
    SampleStatement("The High Street should be closed to cars every day.", "divisive", (1.6, 0.6)),
    SampleStatement(
        "Parking in the town centre should cost more to pay for buses.", "divisive", (1.5, 0.2)
    ),
    SampleStatement("A 20 mph limit should cover the whole town.", "divisive", (1.3, 0.4)),
    SampleStatement(
        "On-street parking should be removed to make room for cycle lanes.", "divisive", (1.7, 0.8)
    ),
    SampleStatement("A congestion charge should apply at peak times.", "divisive", (1.4, 0.9)),
    SampleStatement("The multi-storey car park should be rebuilt bigger.", "divisive", (-1.6, 0.0)),
    SampleStatement(
        "Through traffic should be kept out of residential streets with planters.",
        "divisive",
        (1.2, 1.0),
    ),
    SampleStatement(
        "I rely on my car and would shop elsewhere if parking got harder.", "group", (-1.2, -0.3)
    ),
    SampleStatement("Free parking on Saturdays keeps the market alive.", "group", (-1.0, -0.6)),
    SampleStatement("Cycling in town feels too dangerous for me today.", "group", (0.2, -0.9)),
    SampleStatement("Protected cycle lanes would make me cycle to work.", "group", (1.1, 0.7)),
    SampleStatement(
        "Older people need door-to-door transport more than new cycle lanes.", "group", (-0.4, -1.3)
    ),
    SampleStatement(
        "The hopper bus to the hospital should run every 15 minutes.", "group", (0.1, -1.1)
    ),
    SampleStatement("Blue-badge parking must stay close to the shops.", "group", (-0.5, -1.2)),
    SampleStatement(
        "School streets should close to traffic at drop-off and pick-up.", "group", (0.9, 0.5)
    ),
    SampleStatement(
        "The ring road should be widened to take traffic out of the centre.", "group", (-1.1, 0.5)
    ),
    SampleStatement(
        "Electric-car chargers should take priority over bike parking.", "group", (-0.9, 0.6)
    ),
    SampleStatement(
        "A park-and-ride at the edge of town would solve most problems.", "group", (-0.3, 0.4)
    ),
    SampleStatement(
        "Trials of street changes should last at least six months before judging them.",
        "group",
        (0.8, 0.9),
    ),
    SampleStatement("Changes should not go ahead without a referendum.", "group", (-0.8, -0.8)),
    SampleStatement("Bus fares for under-25s should be free.", "group", (0.7, 0.6)),
    SampleStatement("Taxis should be allowed to use the bus lanes.", "group", (-0.6, -0.2)),
    SampleStatement("Shops lose trade when parking is removed.", "group", (-1.3, -0.2)),
    SampleStatement("Wider pavements would bring more people into the shops.", "group", (1.0, 0.3)),
    SampleStatement(
        "Community transport volunteers should get council funding.", "group", (0.0, -1.0)
    ),
    SampleStatement("The council spends too much on cycling schemes.", "group", (-1.2, -0.5)),
    SampleStatement(
        "Car clubs should be offered to every new housing estate.", "group", (0.8, 0.8)
    ),
    SampleStatement("Night buses should run at weekends.", "group", (0.6, 0.7)),
    SampleStatement("Speed cameras are mainly a way to raise money.", "group", (-1.0, 0.1)),
    SampleStatement("Rural villages should get a bus at least every hour.", "group", (0.2, -0.8)),
    SampleStatement("E-scooter hire should be allowed in the town centre.", "group", (0.5, 1.2)),
    SampleStatement(
        "Drivers should be able to cross town in under ten minutes.", "group", (-1.2, 0.3)
    ),
    SampleStatement(
        "Low-traffic neighbourhoods push traffic onto main roads.", "group", (-1.1, -0.4)
    ),
    SampleStatement(
        "Walking routes should be signposted with times, not distances.", "group", (0.5, 0.2)
    ),
    SampleStatement(
        "Older residents were not asked before the last road changes.", "group", (-0.3, -1.2)
    ),
    SampleStatement(
        "Car-free Sundays on the High Street would be a good start.", "group", (0.9, 0.4)
    ),
    SampleStatement(
        "Trees should be planted even where it removes parking spaces.", "group", (1.0, 0.2)
    ),
    SampleStatement("The station car park should be free for rail users.", "group", (-0.7, -0.1)),
    SampleStatement(
        "Cycle parking at the station should be secure and covered.", "group", (0.7, 0.1)
    ),
    SampleStatement(
        "Dial-a-ride should be bookable by phone, not only online.", "group", (-0.1, -1.3)
    ),
    SampleStatement(
        "Road space should be shared out by how many people each mode moves.", "group", (1.2, 0.6)
    ),
    SampleStatement("The inquiry should look at housing, not only transport.", "group", (0.3, 0.5)),
    SampleStatement("Market traders need vans close to their stalls.", "group", (-0.8, -0.5)),
    SampleStatement(
        "Kids should be able to walk to school on their own safely.", "group", (0.6, -0.1)
    ),
    SampleStatement(
        "Bus lanes that are empty most of the day should be removed.", "group", (-1.0, -0.1)
    ),
    SampleStatement(
        "Changes should be tested with disabled residents first.", "group", (0.0, -0.9)
    ),
    SampleStatement("The town should aim to halve car trips by 2035.", "group", (1.3, 0.7)),
    SampleStatement("Loading bays are often blocked by parked cars.", "group", (0.1, 0.0)),
    SampleStatement("Residents' parking permits should be cheaper.", "group", (-0.7, -0.6)),
    SampleStatement("A new footbridge over the river is worth the money.", "group", (0.4, 0.6)),
)

# The planted opinion groups: names (of the sample inquiry's groups) and positions.
_GROUP_NAMES = ("walk-cycle-bus first", "drivers", "protect access")
_GROUP_POSITIONS = np.array([[1.1, 0.5], [-1.2, 0.2], [0.0, -1.2]])
