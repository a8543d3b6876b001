// lucide-react's per-icon modules (`lucide-react/icons/<name>`) export their drawing beside the
// component, as `__iconData`, but their one shared declaration file omits it. Augmenting one of
// them augments that file, so every icon module is typed; SvgIcon's `drawing` checks the value.
export {};

declare module "lucide-react/icons/gauge" {
  export const __iconData: unknown;
}
