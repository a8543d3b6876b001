/** The demo accounts' password: public by design, accepted only while demo mode is on. */
export const DEMO_PASSWORD = "flightdeck-demo";
