from django.db import models
from django.utils.translation import gettext_lazy as _


class WeaponType(models.TextChoices):
    """UN categories of small arms and light weapons (ITI para 4)."""

    REVOLVER = "revolver", _("Revolver")
    PISTOL = "pistol", _("Self-loading pistol")
    RIFLE = "rifle", _("Rifle")
    CARBINE = "carbine", _("Carbine")
    SHOTGUN = "shotgun", _("Shotgun")
    SUB_MACHINE_GUN = "sub-machine-gun", _("Sub-machine gun")
    ASSAULT_RIFLE = "assault-rifle", _("Assault rifle")
    LIGHT_MACHINE_GUN = "light-machine-gun", _("Light machine gun")
    HEAVY_MACHINE_GUN = "heavy-machine-gun", _("Heavy machine gun")
    GRENADE_LAUNCHER = "grenade-launcher", _("Grenade launcher")
    ANTI_AIRCRAFT_GUN = "portable-anti-aircraft-gun", _("Portable anti-aircraft gun")
    ANTI_TANK_GUN = "portable-anti-tank-gun", _("Portable anti-tank gun")
    RECOILLESS_RIFLE = "recoilless-rifle", _("Recoilless rifle")
    ANTI_TANK_LAUNCHER = (
        "portable-anti-tank-launcher",
        _("Portable launcher of anti-tank missile or rocket systems"),
    )
    ANTI_AIRCRAFT_LAUNCHER = (
        "portable-anti-aircraft-launcher",
        _("Portable launcher of anti-aircraft missile systems"),
    )
    MORTAR = "mortar", _("Mortar under 100 mm")


LIGHT_WEAPONS = frozenset(
    {
        WeaponType.HEAVY_MACHINE_GUN,
        WeaponType.GRENADE_LAUNCHER,
        WeaponType.ANTI_AIRCRAFT_GUN,
        WeaponType.ANTI_TANK_GUN,
        WeaponType.RECOILLESS_RIFLE,
        WeaponType.ANTI_TANK_LAUNCHER,
        WeaponType.ANTI_AIRCRAFT_LAUNCHER,
        WeaponType.MORTAR,
    }
)
