import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import type { Client } from '@urql/core';
import {
  AccountQuery,
  ChangeEmailMutation,
  ChangePasswordMutation,
  CreateAvatarUploadMutation,
  DeleteAccountMutation,
  EndOtherSessionsMutation,
  EndSessionMutation,
  PasskeyRegistrationOptionsMutation,
  RegisterPasskeyMutation,
  RemovePasskeyMutation,
  RenamePasskeyMutation,
  UpdateProfileMutation,
  type AccountData,
} from '../graphql/documents/account.ts';
import { errorText } from './conversation.svelte.ts';

/** null when it worked, else why not, in words. */
type Outcome = string | null;

/** The viewer's account in Settings: profile, password, devices, passkeys, export and deletion. */
export class Account {
  #data = $state<AccountData | null>(null);

  constructor(
    private readonly urql: Client,
    /** After the account is deleted: leave the chat. */
    private readonly onDeleted: () => void,
  ) {}

  /** null until loaded. */
  get data() {
    return this.#data;
  }

  async load(): Promise<Outcome> {
    const result = await this.urql.query(AccountQuery, {}, { requestPolicy: 'network-only' }).toPromise();
    if (!result.data?.me) return errorText(result.error, 'Could not load your account.');
    this.#data = result.data.me;
    return null;
  }

  /** Runs a mutation, then reloads: every change here shows in the lists below it. */
  async #change(
    run: () => Promise<{ error?: Parameters<typeof errorText>[0] }>,
    fallback: string,
  ): Promise<Outcome> {
    const result = await run();
    if (result.error) return errorText(result.error, fallback);
    return this.load();
  }

  setDisplayName(displayName: string) {
    return this.#change(
      () => this.urql.mutation(UpdateProfileMutation, { displayName }).toPromise(),
      'Could not save the name.',
    );
  }

  /** Uploads `image` as an avatar (the server crops it square around its centre) and sets it. */
  async setAvatar(image: File): Promise<Outcome> {
    const ticket = await this.urql
      .mutation(CreateAvatarUploadMutation, { filename: image.name || 'avatar', contentType: image.type, size: image.size })
      .toPromise();
    if (!ticket.data) return errorText(ticket.error, 'Could not upload the picture.');
    const { id, url, headers } = ticket.data.createAvatarUpload;
    const put = await fetch(new URL(url, location.href), {
      method: 'PUT',
      headers: Object.fromEntries(headers.map(({ name, value }) => [name, value])),
      body: image,
    }).catch(() => null);
    if (!put?.ok) return 'Could not upload the picture.';
    return this.#change(
      () => this.urql.mutation(UpdateProfileMutation, { avatarUploadId: id }).toPromise(),
      'Could not set the picture.',
    );
  }

  removeAvatar() {
    return this.#change(
      () => this.urql.mutation(UpdateProfileMutation, { removeAvatar: true }).toPromise(),
      'Could not remove the picture.',
    );
  }

  changePassword(currentPassword: string, newPassword: string) {
    return this.#change(
      () => this.urql.mutation(ChangePasswordMutation, { currentPassword, newPassword }).toPromise(),
      'Could not change the password.',
    );
  }

  changeEmail(password: string, email: string) {
    return this.#change(
      () => this.urql.mutation(ChangeEmailMutation, { password, email }).toPromise(),
      'Could not change the email.',
    );
  }

  endSession(id: string) {
    return this.#change(
      () => this.urql.mutation(EndSessionMutation, { id }).toPromise(),
      'Could not sign that device out.',
    );
  }

  endOtherSessions() {
    return this.#change(
      () => this.urql.mutation(EndOtherSessionsMutation, {}).toPromise(),
      'Could not sign the others out.',
    );
  }

  async addPasskey(name: string): Promise<Outcome> {
    const options = await this.urql.mutation(PasskeyRegistrationOptionsMutation, {}).toPromise();
    if (!options.data) return errorText(options.error, 'Could not start adding a passkey.');
    let response;
    try {
      response = await startRegistration({
        optionsJSON: options.data.passkeyRegistrationOptions as PublicKeyCredentialCreationOptionsJSON,
      });
    } catch (error) {
      return error instanceof Error ? `No passkey was added: ${error.message}` : 'No passkey was added.';
    }
    return this.#change(
      () => this.urql.mutation(RegisterPasskeyMutation, { response, name: name.trim() || null }).toPromise(),
      'Could not add the passkey.',
    );
  }

  removePasskey(id: string) {
    return this.#change(
      () => this.urql.mutation(RemovePasskeyMutation, { id }).toPromise(),
      'Could not remove the passkey.',
    );
  }

  renamePasskey(id: string, name: string) {
    return this.#change(
      () => this.urql.mutation(RenamePasskeyMutation, { id, name }).toPromise(),
      'Could not rename the passkey.',
    );
  }

  async deleteAccount(password: string, eraseMessages: boolean): Promise<Outcome> {
    const result = await this.urql.mutation(DeleteAccountMutation, { password, eraseMessages }).toPromise();
    if (result.error) return errorText(result.error, 'Could not delete the account.');
    this.onDeleted();
    return null;
  }
}
