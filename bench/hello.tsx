/** The floor for kiosk start-up: a bare Ink app, started the same way, that says hello and waits. */
import { render, Text, useInput } from 'ink';

function Hello() {
  useInput(() => undefined);
  return <Text>hello, ready</Text>;
}
render(<Hello />, { exitOnCtrlC: true });
