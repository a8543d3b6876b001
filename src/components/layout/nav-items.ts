export const NAV_ITEMS = [
  { href: "/", label: "Overview", icon: "overview" },
  { href: "/clusters", label: "Clusters", icon: "clusters" },
  { href: "/regions", label: "Regions", icon: "regions" },
  { href: "/capacity", label: "Capacity", icon: "capacity" },
  { href: "/models", label: "Models", icon: "models" },
  { href: "/promotions", label: "Promotions", icon: "promotions" },
  { href: "/rollouts", label: "Rollouts", icon: "rollouts" },
  { href: "/slos", label: "SLOs", icon: "slos" },
  { href: "/incidents", label: "Incidents", icon: "incidents" },
  { href: "/training", label: "Training", icon: "training" },
  { href: "/audit", label: "Audit log", icon: "audit" },
] as const;

export const ADMIN_ITEMS = [
  { href: "/admin/users", label: "Users", icon: "users" },
  { href: "/admin/tokens", label: "API tokens", icon: "tokens" },
  { href: "/admin/notifications", label: "Notifications", icon: "notifications" },
  { href: "/admin/config", label: "Configuration", icon: "config" },
  { href: "/admin/chaos", label: "Chaos", icon: "chaos" },
] as const;

export type NavIcon = (typeof NAV_ITEMS)[number]["icon"] | (typeof ADMIN_ITEMS)[number]["icon"];
