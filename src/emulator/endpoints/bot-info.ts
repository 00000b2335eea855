/** GET /open-apis/bot/v3/info: the app's bot (name, open_id, whether bot ability is activated). */
import type { App } from '../directory.js';
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import type { Reply } from '../reply.js';

export function botInfo(_ctx: EmulatorContext, _req: EmulatorRequest, app: App): Reply {
  return {
    status: 200,
    body: {
      code: 0,
      msg: 'ok',
      bot: {
        activate_status: app.botActivateStatus,
        app_name: app.appName,
        avatar_url: `https://s1-imfile.feishucdn.com/static-resource/v1/emulator_${app.appId}~?image_size=72x72`,
        ip_white_list: [],
        open_id: app.botOpenId,
      },
    },
  };
}
