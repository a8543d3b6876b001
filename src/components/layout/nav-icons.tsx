import type { ReactNode } from "react";
import {
  Activity,
  Bell,
  Boxes,
  BrainCircuit,
  Cpu,
  FileClock,
  FileCog,
  Gauge,
  Layers,
  GitPullRequestArrow,
  Globe,
  KeyRound,
  ShieldCheck,
  Siren,
  Users,
  Zap,
  type LucideIcon,
} from "lucide-react";
import type { NavIcon } from "@/components/layout/nav-items";

const ICONS: Record<NavIcon, LucideIcon> = {
  users: Users,
  chaos: Zap,
  tokens: KeyRound,
  notifications: Bell,
  config: FileCog,
  overview: Gauge,
  clusters: Cpu,
  regions: Globe,
  capacity: Layers,
  models: Boxes,
  promotions: ShieldCheck,
  rollouts: GitPullRequestArrow,
  slos: Activity,
  incidents: Siren,
  training: BrainCircuit,
  audit: FileClock,
};

/**
 * The sections' icons, drawn on the server and handed to the navigation as elements: the
 * navigation is a client component (it marks the current section), and importing the icons
 * there would ship the icon library to every page.
 */
export function navIcons(): Record<NavIcon, ReactNode> {
  return Object.fromEntries(
    Object.entries(ICONS).map(([key, Icon]) => [
      key,
      <Icon key={key} className="size-4" aria-hidden="true" />,
    ]),
  ) as Record<NavIcon, ReactNode>;
}
