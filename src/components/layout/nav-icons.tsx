import type { ReactNode } from "react";
import { __iconData as activity } from "lucide-react/icons/activity";
import { __iconData as bell } from "lucide-react/icons/bell";
import { __iconData as boxes } from "lucide-react/icons/boxes";
import { __iconData as brainCircuit } from "lucide-react/icons/brain-circuit";
import { __iconData as cpu } from "lucide-react/icons/cpu";
import { __iconData as fileClock } from "lucide-react/icons/file-clock";
import { __iconData as fileCog } from "lucide-react/icons/file-cog";
import { __iconData as gauge } from "lucide-react/icons/gauge";
import { __iconData as layers } from "lucide-react/icons/layers";
import { __iconData as gitPullRequestArrow } from "lucide-react/icons/git-pull-request-arrow";
import { __iconData as globe } from "lucide-react/icons/globe";
import { __iconData as keyRound } from "lucide-react/icons/key-round";
import { __iconData as shieldCheck } from "lucide-react/icons/shield-check";
import { __iconData as siren } from "lucide-react/icons/siren";
import { __iconData as users } from "lucide-react/icons/users";
import { __iconData as zap } from "lucide-react/icons/zap";
import { drawing, SvgIcon, type IconDrawing } from "@/components/common/svg-icon";
import type { NavIcon } from "@/components/layout/nav-items";

const ICONS: Record<NavIcon, IconDrawing> = {
  users: drawing(users),
  chaos: drawing(zap),
  tokens: drawing(keyRound),
  notifications: drawing(bell),
  config: drawing(fileCog),
  overview: drawing(gauge),
  clusters: drawing(cpu),
  regions: drawing(globe),
  capacity: drawing(layers),
  models: drawing(boxes),
  promotions: drawing(shieldCheck),
  rollouts: drawing(gitPullRequestArrow),
  slos: drawing(activity),
  incidents: drawing(siren),
  training: drawing(brainCircuit),
  audit: drawing(fileClock),
};

/**
 * The sections' icons, drawn on the server as plain SVG (`SvgIcon`) and handed to the
 * navigation as elements: the navigation is a client component (it marks the current section),
 * and importing the icons there would ship the icon library to every page.
 */
export function navIcons(): Record<NavIcon, ReactNode> {
  return Object.fromEntries(
    Object.entries(ICONS).map(([key, icon]) => [
      key,
      <SvgIcon key={key} icon={icon} className="size-4" aria-hidden="true" />,
    ]),
  ) as Record<NavIcon, ReactNode>;
}
